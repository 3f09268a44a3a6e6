// Glue for the CUDA batch-norm, pooling and upsampling kernels: the CPU glue's arguments with
// device buffers in place of Float32Arrays.
#include "../cuda/cuda_layers.h"
#include "cuda_tensor_glue.h"

namespace ftm {
namespace {

// cudaBatchNormForward(x, shape[N,C,H,W], weight|null, bias|null, runningMean|null,
//                      runningVar|null, training, momentum, eps, y, saveMean, saveInvStd)
Napi::Value batchNormForwardJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 12, "cudaBatchNormForward");
  const auto shape = argShape(info, 1, "shape");
  requireRank(env, shape, 4, "shape");
  const BatchNormShape s{shape[0], shape[1], shape[2] * shape[3]};
  const size_t c = static_cast<size_t>(s.c), n = numel(shape);
  const DeviceF32 x = argDevice(info, 0, "x"), y = argDevice(info, 9, "y");
  const DeviceF32 weight = argDeviceOrNull(info, 2, "weight"), bias = argDeviceOrNull(info, 3, "bias");
  const DeviceF32 rm = argDeviceOrNull(info, 4, "runningMean"), rv = argDeviceOrNull(info, 5, "runningVar");
  const bool training = argBool(info, 6, "training");
  const double momentum = argDouble(info, 7, "momentum"), eps = argDouble(info, 8, "eps");
  const DeviceF32 sm = argDevice(info, 10, "saveMean"), si = argDevice(info, 11, "saveInvStd");
  requireLength(env, x, n, "x");
  requireLength(env, y, n, "y");
  requireOptionalLength(env, weight, c, "weight");
  requireOptionalLength(env, bias, c, "bias");
  requireOptionalLength(env, rm, c, "runningMean");
  requireOptionalLength(env, rv, c, "runningVar");
  requireLength(env, sm, c, "saveMean");
  requireLength(env, si, c, "saveInvStd");
  if (!training && (rm.data == nullptr || rv.data == nullptr))
    throwType(env, "running statistics in eval mode", "runningMean", info[rm.data ? 5 : 4]);
  cuda::batchNormForward(x.data, s, weight.data, bias.data, rm.data, rv.data, training, momentum, eps, y.data,
                         sm.data, si.data);
  return env.Undefined();
}

// cudaBatchNormBackward(x, dy, shape, weight|null, saveMean, saveInvStd, training, dx|null,
//                       dweight|null, dbias|null)
Napi::Value batchNormBackwardJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 10, "cudaBatchNormBackward");
  const auto shape = argShape(info, 2, "shape");
  requireRank(env, shape, 4, "shape");
  const BatchNormShape s{shape[0], shape[1], shape[2] * shape[3]};
  const size_t c = static_cast<size_t>(s.c), n = numel(shape);
  const DeviceF32 x = argDevice(info, 0, "x"), dy = argDevice(info, 1, "dy");
  const DeviceF32 weight = argDeviceOrNull(info, 3, "weight");
  const DeviceF32 sm = argDevice(info, 4, "saveMean"), si = argDevice(info, 5, "saveInvStd");
  const bool training = argBool(info, 6, "training");
  const DeviceF32 dx = argDeviceOrNull(info, 7, "dx"), dw = argDeviceOrNull(info, 8, "dweight");
  const DeviceF32 db = argDeviceOrNull(info, 9, "dbias");
  requireLength(env, x, n, "x");
  requireLength(env, dy, n, "dy");
  requireOptionalLength(env, dx, n, "dx");
  requireOptionalLength(env, weight, c, "weight");
  requireLength(env, sm, c, "saveMean");
  requireLength(env, si, c, "saveInvStd");
  requireOptionalLength(env, dw, c, "dweight");
  requireOptionalLength(env, db, c, "dbias");
  cuda::batchNormBackward(x.data, dy.data, s, weight.data, sm.data, si.data, training, dx.data, dw.data, db.data);
  return env.Undefined();
}

// xShape (N,C,H,W), kernelSize [kh,kw], stride [sh,sw], padding [ph,pw] at args i..i+3.
Pool2dShape poolShapeArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  const auto x = argShape(info, i, "xShape");
  requireRank(env, x, 4, "xShape");
  const auto k = argInts(info, i + 1, "kernelSize", 2, 1);
  const auto s = argInts(info, i + 2, "stride", 2, 1);
  const auto p = argInts(info, i + 3, "padding", 2, 0);
  Pool2dShape g{x[0], x[1], x[2], x[3], k[0], k[1], s[0], s[1], p[0], p[1], 0, 0};
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

// cudaMaxPool2dForward(x, xShape, k, s, p, y), cudaAvgPool2dForward(...)
template <void (*Fn)(const float*, float*, const Pool2dShape&)>
Napi::Value poolForwardJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 6, "cudaPool2dForward");
  const Pool2dShape g = poolShapeArg(info, 1);
  const DeviceF32 x = argDevice(info, 0, "x"), y = argDevice(info, 5, "y");
  requireLength(info.Env(), x, inSize(g), "x");
  requireLength(info.Env(), y, outSize(g), "y");
  Fn(x.data, y.data, g);
  return info.Env().Undefined();
}

// cudaMaxPool2dBackward(x, xShape, k, s, p, gy, gx)
Napi::Value maxPoolBackwardJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 7, "cudaMaxPool2dBackward");
  const Pool2dShape g = poolShapeArg(info, 1);
  const DeviceF32 x = argDevice(info, 0, "x"), gy = argDevice(info, 5, "gy"), gx = argDevice(info, 6, "gx");
  requireLength(info.Env(), x, inSize(g), "x");
  requireLength(info.Env(), gy, outSize(g), "gy");
  requireLength(info.Env(), gx, inSize(g), "gx");
  cuda::maxPool2dBackward(x.data, gy.data, gx.data, g);
  return info.Env().Undefined();
}

// cudaAvgPool2dBackward(gy, xShape, k, s, p, gx)
Napi::Value avgPoolBackwardJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 6, "cudaAvgPool2dBackward");
  const Pool2dShape g = poolShapeArg(info, 1);
  const DeviceF32 gy = argDevice(info, 0, "gy"), gx = argDevice(info, 5, "gx");
  requireLength(info.Env(), gy, outSize(g), "gy");
  requireLength(info.Env(), gx, inSize(g), "gx");
  cuda::avgPool2dBackward(gy.data, gx.data, g);
  return info.Env().Undefined();
}

using ResizeFn = void (*)(const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t);

// cudaUpsample*Forward(x, xShape, scale[2], y) and cudaUpsample*Backward(gy, xShape, scale[2], gx)
template <ResizeFn Fn, bool kBackward>
Napi::Value upsampleJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 4, "cudaUpsample");
  const auto xs = argShape(info, 1, "xShape");
  requireRank(env, xs, 4, "xShape");
  const auto sc = argInts(info, 2, "scale", 2, 1);
  const DeviceF32 in = argDevice(info, 0, kBackward ? "gy" : "x"), out = argDevice(info, 3, kBackward ? "gx" : "y");
  const size_t small = numel(xs), big = small * static_cast<size_t>(sc[0] * sc[1]);
  requireLength(env, in, kBackward ? big : small, kBackward ? "gy" : "x");
  requireLength(env, out, kBackward ? small : big, kBackward ? "gx" : "y");
  Fn(in.data, out.data, xs[0], xs[1], xs[2], xs[3], sc[0], sc[1]);
  return env.Undefined();
}

}  // namespace

void registerCudaLayers(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "cudaBatchNormForward", batchNormForwardJs);
  exportFunction(env, exports, "cudaBatchNormBackward", batchNormBackwardJs);
  exportFunction(env, exports, "cudaMaxPool2dForward", poolForwardJs<cuda::maxPool2dForward>);
  exportFunction(env, exports, "cudaAvgPool2dForward", poolForwardJs<cuda::avgPool2dForward>);
  exportFunction(env, exports, "cudaMaxPool2dBackward", maxPoolBackwardJs);
  exportFunction(env, exports, "cudaAvgPool2dBackward", avgPoolBackwardJs);
  exportFunction(env, exports, "cudaUpsampleNearestForward", upsampleJs<cuda::upsampleNearestForward, false>);
  exportFunction(env, exports, "cudaUpsampleNearestBackward", upsampleJs<cuda::upsampleNearestBackward, true>);
  exportFunction(env, exports, "cudaUpsampleBilinearForward", upsampleJs<cuda::upsampleBilinearForward, false>);
  exportFunction(env, exports, "cudaUpsampleBilinearBackward", upsampleJs<cuda::upsampleBilinearBackward, true>);
}

}  // namespace ftm
