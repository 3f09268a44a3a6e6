// Glue for the pool kernels: unwrap arguments, check memory safety, call native/cpu.
#include "../cpu/pool.h"
#include "glue.h"

namespace ftm {
namespace {

// Reads xShape (N,C,H,W), kernel [kh,kw], stride [sh,sw], padding [ph,pw] at args i..i+3 and
// derives the output size; rejects geometry that would index outside the input.
Pool2dShape poolShapeArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  auto x = argShape(info, i, "xShape");
  requireRank(env, x, 4, "xShape");
  auto k = argShape(info, i + 1, "kernelSize");
  auto s = argShape(info, i + 2, "stride");
  requireRank(env, k, 2, "kernelSize");
  requireRank(env, s, 2, "stride");
  Napi::Value pv = info[i + 3];
  if (!pv.IsArray() || pv.As<Napi::Array>().Length() != 2) throwType(env, "an array of 2 paddings", "padding", pv);
  Pool2dShape g{};
  g.n = x[0], g.c = x[1], g.h = x[2], g.w = x[3];
  g.kernelH = k[0], g.kernelW = k[1], g.strideH = s[0], g.strideW = s[1];
  for (uint32_t d = 0; d < 2; ++d) {
    Napi::Value e = pv.As<Napi::Array>().Get(d);
    if (!e.IsNumber()) throwType(env, "an integer padding", "padding", e);
    const double v = e.As<Napi::Number>().DoubleValue();
    if (!(v >= 0) || v != static_cast<double>(static_cast<int64_t>(v)))
      throwRange(env, "non-negative integer paddings", "padding", std::to_string(v));
    (d == 0 ? g.padH : g.padW) = static_cast<int64_t>(v);
  }
  if (g.padH * 2 > g.kernelH || g.padW * 2 > g.kernelW)
    throwRange(env, "padding at most half of kernelSize", "padding", std::to_string(g.padH) + ", " + std::to_string(g.padW));
  const int64_t ph = g.h + 2 * g.padH - g.kernelH, pw = g.w + 2 * g.padW - g.kernelW;
  if (ph < 0 || pw < 0) throwRange(env, "an input at least as large as the window", "xShape", "a smaller one");
  g.p = ph / g.strideH + 1;
  g.q = pw / g.strideW + 1;
  return g;
}

size_t inSize(const Pool2dShape& g) { return static_cast<size_t>(g.n * g.c * g.h * g.w); }
size_t outSize(const Pool2dShape& g) { return static_cast<size_t>(g.n * g.c * g.p * g.q); }

// maxPool2dForward(x, xShape, kernelSize, stride, padding, y)
Napi::Value maxPool2dForwardJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 6, "maxPool2dForward");
  const Pool2dShape g = poolShapeArg(info, 1);
  F32 x = argF32(info, 0, "x"), y = argF32(info, 5, "y");
  requireLength(info.Env(), x, inSize(g), "x");
  requireLength(info.Env(), y, outSize(g), "y");
  maxPool2dForward(x.data, y.data, g);
  return info.Env().Undefined();
}

// maxPool2dBackward(x, xShape, kernelSize, stride, padding, gy, gx)
Napi::Value maxPool2dBackwardJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 7, "maxPool2dBackward");
  const Pool2dShape g = poolShapeArg(info, 1);
  F32 x = argF32(info, 0, "x"), gy = argF32(info, 5, "gy"), gx = argF32(info, 6, "gx");
  requireLength(info.Env(), x, inSize(g), "x");
  requireLength(info.Env(), gy, outSize(g), "gy");
  requireLength(info.Env(), gx, inSize(g), "gx");
  maxPool2dBackward(x.data, gy.data, gx.data, g);
  return info.Env().Undefined();
}

// avgPool2dForward(x, xShape, kernelSize, stride, padding, y)
Napi::Value avgPool2dForwardJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 6, "avgPool2dForward");
  const Pool2dShape g = poolShapeArg(info, 1);
  F32 x = argF32(info, 0, "x"), y = argF32(info, 5, "y");
  requireLength(info.Env(), x, inSize(g), "x");
  requireLength(info.Env(), y, outSize(g), "y");
  avgPool2dForward(x.data, y.data, g);
  return info.Env().Undefined();
}

// avgPool2dBackward(gy, xShape, kernelSize, stride, padding, gx)
Napi::Value avgPool2dBackwardJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 6, "avgPool2dBackward");
  const Pool2dShape g = poolShapeArg(info, 1);
  F32 gy = argF32(info, 0, "gy"), gx = argF32(info, 5, "gx");
  requireLength(info.Env(), gy, outSize(g), "gy");
  requireLength(info.Env(), gx, inSize(g), "gx");
  avgPool2dBackward(gy.data, gx.data, g);
  return info.Env().Undefined();
}

}  // namespace

void registerPool(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "maxPool2dForward", maxPool2dForwardJs);
  exportFunction(env, exports, "maxPool2dBackward", maxPool2dBackwardJs);
  exportFunction(env, exports, "avgPool2dForward", avgPool2dForwardJs);
  exportFunction(env, exports, "avgPool2dBackward", avgPool2dBackwardJs);
}

}  // namespace ftm
