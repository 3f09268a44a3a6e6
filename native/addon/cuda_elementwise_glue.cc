// Glue for the CUDA elementwise, broadcast, reduce and row-copy kernels: the CPU glue's
// arguments with device buffers in place of Float32Arrays.
#include "../cuda/cuda_conv.h"
#include "../cuda/cuda_elementwise.h"
#include "cuda_tensor_glue.h"

namespace ftm {
namespace {

// cudaReluForward(x, y), cudaSigmoidForward(x, y)
template <void (*Fn)(const float*, float*, size_t)>
Napi::Value unaryJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 2, "cudaUnary");
  const DeviceF32 x = argDevice(info, 0, "x"), y = argDevice(info, 1, "y");
  requireLength(info.Env(), y, x.length, "y");
  Fn(x.data, y.data, x.length);
  return info.Env().Undefined();
}

// cudaReluBackward(x, gy, gx), cudaSigmoidBackward(y, gy, gx)
template <void (*Fn)(const float*, const float*, float*, size_t)>
Napi::Value unaryBackwardJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 3, "cudaUnaryBackward");
  const DeviceF32 s = argDevice(info, 0, "saved"), gy = argDevice(info, 1, "gy"), gx = argDevice(info, 2, "gx");
  requireLength(info.Env(), gy, s.length, "gy");
  requireLength(info.Env(), gx, s.length, "gx");
  Fn(s.data, gy.data, gx.data, s.length);
  return info.Env().Undefined();
}

// cudaAffineScalar(x, y, s, c)
Napi::Value affineScalarJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 4, "cudaAffineScalar");
  const DeviceF32 x = argDevice(info, 0, "x"), y = argDevice(info, 1, "y");
  requireLength(info.Env(), y, x.length, "y");
  cuda::affineScalar(x.data, y.data, x.length, static_cast<float>(argDouble(info, 2, "s")),
                     static_cast<float>(argDouble(info, 3, "c")));
  return info.Env().Undefined();
}

// cudaScaleByScalar(x, scalar (1), y)
Napi::Value scaleByScalarJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 3, "cudaScaleByScalar");
  const DeviceF32 x = argDevice(info, 0, "x"), s = argDevice(info, 1, "scalar"), y = argDevice(info, 2, "y");
  requireLength(info.Env(), s, 1, "scalar");
  requireLength(info.Env(), y, x.length, "y");
  cuda::scaleByDeviceScalar(x.data, s.data, y.data, x.length);
  return info.Env().Undefined();
}

// Same-rank shapes where each of `shape`'s sizes equals out's or is 1.
void requireBroadcastable(Napi::Env env, const std::vector<int64_t>& shape, const std::vector<int64_t>& out,
                          const char* name) {
  requireRank(env, shape, out.size(), name);
  for (size_t r = 0; r < out.size(); ++r)
    if (shape[r] != out[r] && shape[r] != 1) throwRange(env, "sizes broadcastable to the output", name, "another shape");
}

// cudaBinaryBroadcast(op, a, aShape, b, bShape, y, outShape)
Napi::Value binaryBroadcastJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 7, "cudaBinaryBroadcast");
  const int64_t op = argInt(info, 0, "op");
  if (op < 0 || op > 2) throwRange(env, "0 (add), 1 (sub) or 2 (mul)", "op", std::to_string(op));
  const DeviceF32 a = argDevice(info, 1, "a"), b = argDevice(info, 3, "b"), y = argDevice(info, 5, "y");
  const auto as = argShape(info, 2, "aShape"), bs = argShape(info, 4, "bShape"), os = argShape(info, 6, "outShape");
  requireBroadcastable(env, as, os, "aShape");
  requireBroadcastable(env, bs, os, "bShape");
  requireLength(env, a, numel(as), "a");
  requireLength(env, b, numel(bs), "b");
  requireLength(env, y, numel(os), "y");
  cuda::binaryBroadcast(static_cast<BinaryOp>(op), a.data, as, b.data, bs, y.data, os);
  return env.Undefined();
}

// cudaSumToShape(g, gShape, y, targetShape, scale)
Napi::Value sumToShapeJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 5, "cudaSumToShape");
  const DeviceF32 g = argDevice(info, 0, "g"), y = argDevice(info, 2, "y");
  const auto gs = argShape(info, 1, "gShape"), ts = argShape(info, 3, "targetShape");
  requireBroadcastable(env, ts, gs, "targetShape");
  requireLength(env, g, numel(gs), "g");
  requireLength(env, y, numel(ts), "y");
  cuda::sumToShape(g.data, gs, y.data, ts, static_cast<float>(argDouble(info, 4, "scale")));
  return env.Undefined();
}

// cudaBroadcastTo(x, xShape, y, outShape, scale)
Napi::Value broadcastToJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 5, "cudaBroadcastTo");
  const DeviceF32 x = argDevice(info, 0, "x"), y = argDevice(info, 2, "y");
  const auto xs = argShape(info, 1, "xShape"), os = argShape(info, 3, "outShape");
  requireBroadcastable(env, xs, os, "xShape");
  requireLength(env, x, numel(xs), "x");
  requireLength(env, y, numel(os), "y");
  cuda::broadcastTo(x.data, xs, y.data, os, static_cast<float>(argDouble(info, 4, "scale")));
  return env.Undefined();
}

// cudaDropoutMask(mask, p, seed)
Napi::Value dropoutMaskJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 3, "cudaDropoutMask");
  const DeviceF32 mask = argDevice(info, 0, "mask");
  const double p = argDouble(info, 1, "p");
  if (!(p >= 0 && p < 1)) throwRange(env, "a probability in [0, 1)", "p", std::to_string(p));
  const int64_t seed = argInt(info, 2, "seed");
  cuda::dropoutMask(mask.data, mask.length, static_cast<float>(p), static_cast<uint64_t>(seed));
  return env.Undefined();
}

// cudaCopyRows(src, srcOffset, srcStride, dst, dstOffset, dstStride, rows, rowLength)
Napi::Value copyRowsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 8, "cudaCopyRows");
  const DeviceF32 src = argDevice(info, 0, "src"), dst = argDevice(info, 3, "dst");
  const int64_t so = argInt(info, 1, "srcOffset"), ss = argInt(info, 2, "srcStride");
  const int64_t dO = argInt(info, 4, "dstOffset"), ds = argInt(info, 5, "dstStride");
  const int64_t rows = argInt(info, 6, "rows"), len = argInt(info, 7, "rowLength");
  if (so < 0 || ss < len || dO < 0 || ds < len || rows < 0 || len < 0)
    throwRange(env, "non-negative offsets and strides >= rowLength", "copyRows", "others");
  // Memory safety: the last row must end inside both buffers.
  if (rows > 0 && (so + (rows - 1) * ss + len > static_cast<int64_t>(src.length) ||
                   dO + (rows - 1) * ds + len > static_cast<int64_t>(dst.length)))
    throwRange(env, "rows inside the buffers", "copyRows", "rows past the end");
  cuda::copyRows(src.data, so, ss, dst.data, dO, ds, rows, len);
  return env.Undefined();
}

// cudaSetMatmulPrecision(0 fp32 | 1 tf32 | 2 bf16), cudaMatmulPrecision()
Napi::Value setPrecisionJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 1, "cudaSetMatmulPrecision");
  const int64_t p = argInt(info, 0, "precision");
  if (p < 0 || p > 2) throwRange(info.Env(), "0 (fp32), 1 (tf32) or 2 (bf16)", "precision", std::to_string(p));
  cuda::setMatmulPrecision(static_cast<int>(p));
  return info.Env().Undefined();
}

Napi::Value precisionJs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), cuda::matmulPrecision());
}

}  // namespace

void registerCudaElementwise(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "cudaReluForward", unaryJs<cuda::reluForward>);
  exportFunction(env, exports, "cudaSigmoidForward", unaryJs<cuda::sigmoidForward>);
  exportFunction(env, exports, "cudaReluBackward", unaryBackwardJs<cuda::reluBackward>);
  exportFunction(env, exports, "cudaSigmoidBackward", unaryBackwardJs<cuda::sigmoidBackward>);
  exportFunction(env, exports, "cudaAffineScalar", affineScalarJs);
  exportFunction(env, exports, "cudaScaleByScalar", scaleByScalarJs);
  exportFunction(env, exports, "cudaBinaryBroadcast", binaryBroadcastJs);
  exportFunction(env, exports, "cudaSumToShape", sumToShapeJs);
  exportFunction(env, exports, "cudaBroadcastTo", broadcastToJs);
  exportFunction(env, exports, "cudaDropoutMask", dropoutMaskJs);
  exportFunction(env, exports, "cudaCopyRows", copyRowsJs);
  exportFunction(env, exports, "cudaSetMatmulPrecision", setPrecisionJs);
  exportFunction(env, exports, "cudaMatmulPrecision", precisionJs);
}

}  // namespace ftm
