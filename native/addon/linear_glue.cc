// Glue for the linear kernels: unwrap arguments, check memory safety, call native/cpu.
#include "../cpu/linear.h"
#include "glue.h"

namespace ftm {
namespace {

// linearForward(x, w, b|null, y, N, in, out)
Napi::Value linearForwardJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 7, "linearForward");
  const F32 x = argF32(info, 0, "x");
  const F32 w = argF32(info, 1, "weight");
  const F32 b = argF32OrNull(info, 2, "bias");
  const F32 y = argF32(info, 3, "y");
  const int64_t N = argInt(info, 4, "N"), in = argInt(info, 5, "in"), out = argInt(info, 6, "out");
  if (N < 1 || in < 1 || out < 1) throwRange(env, "positive sizes", "linear", "a size < 1");
  requireLength(env, x, static_cast<size_t>(N * in), "x");
  requireLength(env, w, static_cast<size_t>(out * in), "weight");
  if (b.data) requireLength(env, b, static_cast<size_t>(out), "bias");
  requireLength(env, y, static_cast<size_t>(N * out), "y");
  linearForward(N, in, out, x.data, w.data, b.data, y.data);
  return env.Undefined();
}

// linearBackward(x, w, dy, dx|null, dw|null, db|null, N, in, out)
Napi::Value linearBackwardJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 9, "linearBackward");
  const F32 x = argF32(info, 0, "x");
  const F32 w = argF32(info, 1, "weight");
  const F32 dy = argF32(info, 2, "dy");
  const F32 dx = argF32OrNull(info, 3, "dx");
  const F32 dw = argF32OrNull(info, 4, "dw");
  const F32 db = argF32OrNull(info, 5, "db");
  const int64_t N = argInt(info, 6, "N"), in = argInt(info, 7, "in"), out = argInt(info, 8, "out");
  if (N < 1 || in < 1 || out < 1) throwRange(env, "positive sizes", "linear", "a size < 1");
  requireLength(env, x, static_cast<size_t>(N * in), "x");
  requireLength(env, w, static_cast<size_t>(out * in), "weight");
  requireLength(env, dy, static_cast<size_t>(N * out), "dy");
  if (dx.data) requireLength(env, dx, static_cast<size_t>(N * in), "dx");
  if (dw.data) requireLength(env, dw, static_cast<size_t>(out * in), "dw");
  if (db.data) requireLength(env, db, static_cast<size_t>(out), "db");
  linearBackward(N, in, out, x.data, w.data, dy.data, dx.data, dw.data, db.data);
  return env.Undefined();
}

}  // namespace

void registerLinear(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "linearForward", linearForwardJs);
  exportFunction(env, exports, "linearBackward", linearBackwardJs);
}

}  // namespace ftm
