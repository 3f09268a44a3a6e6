// Glue for the elementwise, reduce and shape kernels: unwrap arguments, check memory safety,
// call native/cpu.
#include "../cpu/elementwise.h"
#include "../cpu/reduce.h"
#include "../cpu/shape.h"
#include "glue.h"

namespace ftm {
namespace {

void requireSameLength(Napi::Env env, const F32& a, const F32& b, const char* name) {
  requireLength(env, b, a.length, name);
}

// A broadcast operand's shape: same rank as the output, each size equal or 1.
void requireBroadcastable(Napi::Env env, const std::vector<int64_t>& shape, const std::vector<int64_t>& out,
                          const char* name) {
  requireRank(env, shape, out.size(), name);
  for (size_t i = 0; i < out.size(); ++i)
    if (shape[i] != out[i] && shape[i] != 1)
      throwRange(env, "sizes equal to the output's or 1", name, "size " + std::to_string(shape[i]));
}

// reluForward(x, y)
Napi::Value reluForwardJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 2, "reluForward");
  F32 x = argF32(info, 0, "x"), y = argF32(info, 1, "y");
  requireSameLength(info.Env(), x, y, "y");
  reluForward(x.data, y.data, x.length);
  return info.Env().Undefined();
}

// reluBackward(x, gy, gx)
Napi::Value reluBackwardJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 3, "reluBackward");
  F32 x = argF32(info, 0, "x"), gy = argF32(info, 1, "gy"), gx = argF32(info, 2, "gx");
  requireSameLength(info.Env(), x, gy, "gy");
  requireSameLength(info.Env(), x, gx, "gx");
  reluBackward(x.data, gy.data, gx.data, x.length);
  return info.Env().Undefined();
}

// sigmoidForward(x, y)
Napi::Value sigmoidForwardJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 2, "sigmoidForward");
  F32 x = argF32(info, 0, "x"), y = argF32(info, 1, "y");
  requireSameLength(info.Env(), x, y, "y");
  sigmoidForward(x.data, y.data, x.length);
  return info.Env().Undefined();
}

// sigmoidBackward(y, gy, gx)
Napi::Value sigmoidBackwardJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 3, "sigmoidBackward");
  F32 y = argF32(info, 0, "y"), gy = argF32(info, 1, "gy"), gx = argF32(info, 2, "gx");
  requireSameLength(info.Env(), y, gy, "gy");
  requireSameLength(info.Env(), y, gx, "gx");
  sigmoidBackward(y.data, gy.data, gx.data, y.length);
  return info.Env().Undefined();
}

// affineScalar(x, y, s, c): y = x*s + c
Napi::Value affineScalarJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 4, "affineScalar");
  F32 x = argF32(info, 0, "x"), y = argF32(info, 1, "y");
  requireSameLength(info.Env(), x, y, "y");
  affineScalar(x.data, y.data, x.length, static_cast<float>(argDouble(info, 2, "s")),
               static_cast<float>(argDouble(info, 3, "c")));
  return info.Env().Undefined();
}

// gradAccumulate(a, b, y): y = a + b; y is a, b or a buffer that overlaps neither.
Napi::Value gradAccumulateJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 3, "gradAccumulate");
  F32 a = argF32(info, 0, "a"), b = argF32(info, 1, "b"), y = argF32(info, 2, "y");
  requireSameLength(env, a, b, "b");
  requireSameLength(env, a, y, "y");
  // The in-place loop reads x while writing y element by element: x must be y itself or apart.
  auto apart = [&](const F32& x) {
    return x.data == y.data || x.data + x.length <= y.data || y.data + y.length <= x.data;
  };
  if (!apart(a)) throwRange(env, "a buffer that is y or does not overlap it", "a", "a partial overlap with y");
  if (!apart(b)) throwRange(env, "a buffer that is y or does not overlap it", "b", "a partial overlap with y");
  gradAccumulate(a.data, b.data, y.data, a.length);
  return env.Undefined();
}

// binaryBroadcast(op, a, aShape, b, bShape, y, outShape); op: 0 add, 1 sub, 2 mul
Napi::Value binaryBroadcastJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 7, "binaryBroadcast");
  const int64_t op = argInt(info, 0, "op");
  if (op < 0 || op > 2) throwRange(env, "0, 1 or 2", "op", std::to_string(op));
  F32 a = argF32(info, 1, "a"), b = argF32(info, 3, "b"), y = argF32(info, 5, "y");
  auto aShape = argShape(info, 2, "aShape"), bShape = argShape(info, 4, "bShape"),
       outShape = argShape(info, 6, "outShape");
  requireBroadcastable(env, aShape, outShape, "aShape");
  requireBroadcastable(env, bShape, outShape, "bShape");
  requireLength(env, a, numel(aShape), "a");
  requireLength(env, b, numel(bShape), "b");
  requireLength(env, y, numel(outShape), "y");
  binaryBroadcast(static_cast<BinaryOp>(op), a.data, aShape, b.data, bShape, y.data, outShape);
  return env.Undefined();
}

// sumToShape(g, gShape, y, targetShape, scale)
Napi::Value sumToShapeJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 5, "sumToShape");
  F32 g = argF32(info, 0, "g"), y = argF32(info, 2, "y");
  auto gShape = argShape(info, 1, "gShape"), targetShape = argShape(info, 3, "targetShape");
  requireBroadcastable(env, targetShape, gShape, "targetShape");
  requireLength(env, g, numel(gShape), "g");
  requireLength(env, y, numel(targetShape), "y");
  sumToShape(g.data, gShape, y.data, targetShape, static_cast<float>(argDouble(info, 4, "scale")));
  return env.Undefined();
}

// broadcastTo(x, xShape, y, outShape, scale)
Napi::Value broadcastToJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 5, "broadcastTo");
  F32 x = argF32(info, 0, "x"), y = argF32(info, 2, "y");
  auto xShape = argShape(info, 1, "xShape"), outShape = argShape(info, 3, "outShape");
  requireBroadcastable(env, xShape, outShape, "xShape");
  requireLength(env, x, numel(xShape), "x");
  requireLength(env, y, numel(outShape), "y");
  broadcastTo(x.data, xShape, y.data, outShape, static_cast<float>(argDouble(info, 4, "scale")));
  return env.Undefined();
}

// dropoutMask(mask, p, seed)
Napi::Value dropoutMaskJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 3, "dropoutMask");
  F32 mask = argF32(info, 0, "mask");
  const double p = argDouble(info, 1, "p");
  if (!(p >= 0.0 && p < 1.0)) throwRange(env, "a probability in [0, 1)", "p", std::to_string(p));
  const int64_t seed = argInt(info, 2, "seed");
  dropoutMask(mask.data, mask.length, static_cast<float>(p), static_cast<uint64_t>(seed));
  return env.Undefined();
}

// copyRows(src, srcOffset, srcStride, dst, dstOffset, dstStride, rows, rowLength)
Napi::Value copyRowsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 8, "copyRows");
  F32 src = argF32(info, 0, "src"), dst = argF32(info, 3, "dst");
  const int64_t srcOffset = argInt(info, 1, "srcOffset"), srcStride = argInt(info, 2, "srcStride");
  const int64_t dstOffset = argInt(info, 4, "dstOffset"), dstStride = argInt(info, 5, "dstStride");
  const int64_t rows = argInt(info, 6, "rows"), rowLength = argInt(info, 7, "rowLength");
  if (srcOffset < 0 || srcStride < 0 || dstOffset < 0 || dstStride < 0 || rows < 0 || rowLength < 0)
    throwRange(env, "non-negative offsets, strides and sizes", "copyRows", "a negative value");
  if (rows == 0 || rowLength == 0) return env.Undefined();
  const int64_t srcEnd = srcOffset + (rows - 1) * srcStride + rowLength;
  const int64_t dstEnd = dstOffset + (rows - 1) * dstStride + rowLength;
  if (srcEnd > static_cast<int64_t>(src.length))
    throwRange(env, "a buffer of at least " + std::to_string(srcEnd) + " floats", "src",
               "length " + std::to_string(src.length));
  if (dstEnd > static_cast<int64_t>(dst.length))
    throwRange(env, "a buffer of at least " + std::to_string(dstEnd) + " floats", "dst",
               "length " + std::to_string(dst.length));
  copyRows(src.data, srcOffset, srcStride, dst.data, dstOffset, dstStride, rows, rowLength);
  return env.Undefined();
}

}  // namespace

void registerElementwise(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "reluForward", reluForwardJs);
  exportFunction(env, exports, "reluBackward", reluBackwardJs);
  exportFunction(env, exports, "sigmoidForward", sigmoidForwardJs);
  exportFunction(env, exports, "sigmoidBackward", sigmoidBackwardJs);
  exportFunction(env, exports, "affineScalar", affineScalarJs);
  exportFunction(env, exports, "binaryBroadcast", binaryBroadcastJs);
  exportFunction(env, exports, "gradAccumulate", gradAccumulateJs);
  exportFunction(env, exports, "sumToShape", sumToShapeJs);
  exportFunction(env, exports, "broadcastTo", broadcastToJs);
  exportFunction(env, exports, "dropoutMask", dropoutMaskJs);
  exportFunction(env, exports, "copyRows", copyRowsJs);
}

}  // namespace ftm
