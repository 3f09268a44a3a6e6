// Glue for the resize kernels: unwrap arguments, check memory safety, call native/cpu.
#include "../cpu/resize.h"
#include "glue.h"

namespace ftm {
namespace {

using ResizeFn = void (*)(const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t);

// fn(src, xShape, scale [sh, sw], dst): forward reads x (N,C,H,W) and writes y (N,C,H*sh,W*sw);
// backward reads gy (the larger) and writes gx (N,C,H,W).
Napi::Value resizeCall(const Napi::CallbackInfo& info, ResizeFn fn, bool backward, const char* name) {
  Napi::Env env = info.Env();
  requireArgs(info, 4, name);
  F32 src = argF32(info, 0, backward ? "gy" : "x"), dst = argF32(info, 3, backward ? "gx" : "y");
  auto x = argShape(info, 1, "xShape");
  auto s = argShape(info, 2, "scale");
  requireRank(env, x, 4, "xShape");
  requireRank(env, s, 2, "scale");
  const size_t small = numel(x), large = small * static_cast<size_t>(s[0] * s[1]);
  requireLength(env, src, backward ? large : small, backward ? "gy" : "x");
  requireLength(env, dst, backward ? small : large, backward ? "gx" : "y");
  fn(src.data, dst.data, x[0], x[1], x[2], x[3], s[0], s[1]);
  return env.Undefined();
}

Napi::Value nearestForwardJs(const Napi::CallbackInfo& info) {
  return resizeCall(info, upsampleNearestForward, false, "upsampleNearestForward");
}
Napi::Value nearestBackwardJs(const Napi::CallbackInfo& info) {
  return resizeCall(info, upsampleNearestBackward, true, "upsampleNearestBackward");
}
Napi::Value bilinearForwardJs(const Napi::CallbackInfo& info) {
  return resizeCall(info, upsampleBilinearForward, false, "upsampleBilinearForward");
}
Napi::Value bilinearBackwardJs(const Napi::CallbackInfo& info) {
  return resizeCall(info, upsampleBilinearBackward, true, "upsampleBilinearBackward");
}

}  // namespace

void registerResize(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "upsampleNearestForward", nearestForwardJs);
  exportFunction(env, exports, "upsampleNearestBackward", nearestBackwardJs);
  exportFunction(env, exports, "upsampleBilinearForward", bilinearForwardJs);
  exportFunction(env, exports, "upsampleBilinearBackward", bilinearBackwardJs);
}

}  // namespace ftm
