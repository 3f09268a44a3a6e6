// Glue for the CUDA convolution, feature-transfer and linear kernels: the CPU glue's arguments
// with device buffers in place of Float32Arrays.
#include <algorithm>

#include "../cuda/cuda_conv.h"
#include "cuda_tensor_glue.h"

namespace ftm {
namespace {

// Geometry from x's (N,C,H,W), w's (K,C,R,S) and stride/padding at args si..si+3.
ConvShape convShapeArgs(const Napi::CallbackInfo& info, const std::vector<int64_t>& x,
                        const std::vector<int64_t>& w, size_t si) {
  Napi::Env env = info.Env();
  requireRank(env, x, 4, "xShape");
  requireRank(env, w, 4, "wShape");
  if (x[1] != w[1]) throwRange(env, "wShape[1] equal to the input channels " + std::to_string(x[1]), "wShape",
                               std::to_string(w[1]));
  const int64_t sh = argInt(info, si, "strideH"), sw = argInt(info, si + 1, "strideW");
  const int64_t ph = argInt(info, si + 2, "padH"), pw = argInt(info, si + 3, "padW");
  if (sh < 1 || sw < 1) throwRange(env, "a stride >= 1", "stride", std::to_string(std::min(sh, sw)));
  if (ph < 0 || pw < 0) throwRange(env, "a padding >= 0", "padding", std::to_string(std::min(ph, pw)));
  try {
    return makeConvShape(x[0], x[1], x[2], x[3], w[0], w[2], w[3], sh, sw, ph, pw);
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(env, e.what());
  }
}

size_t outSize(const ConvShape& s) { return static_cast<size_t>(s.N * s.K * s.P * s.Q); }

// cudaConv2dForward(x, xShape, weight, wShape, bias|null, y, strideH, strideW, padH, padW)
Napi::Value conv2dForwardJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 10, "cudaConv2dForward");
  const auto xs = argShape(info, 1, "xShape"), ws = argShape(info, 3, "wShape");
  const ConvShape s = convShapeArgs(info, xs, ws, 6);
  const DeviceF32 x = argDevice(info, 0, "x"), w = argDevice(info, 2, "weight"), b = argDeviceOrNull(info, 4, "bias");
  const DeviceF32 y = argDevice(info, 5, "y");
  requireLength(env, x, numel(xs), "x");
  requireLength(env, w, numel(ws), "weight");
  requireOptionalLength(env, b, static_cast<size_t>(s.K), "bias");
  requireLength(env, y, outSize(s), "y");
  cuda::conv2dForward(s, x.data, w.data, b.data, y.data);
  return env.Undefined();
}

// cudaConv2dBackwardData(dy, weight, wShape, dx, xShape, strideH, strideW, padH, padW)
Napi::Value conv2dBackwardDataJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 9, "cudaConv2dBackwardData");
  const auto ws = argShape(info, 2, "wShape"), xs = argShape(info, 4, "xShape");
  const ConvShape s = convShapeArgs(info, xs, ws, 5);
  const DeviceF32 dy = argDevice(info, 0, "dy"), w = argDevice(info, 1, "weight"), dx = argDevice(info, 3, "dx");
  requireLength(env, dy, outSize(s), "dy");
  requireLength(env, w, numel(ws), "weight");
  requireLength(env, dx, numel(xs), "dx");
  cuda::conv2dBackwardData(s, dy.data, w.data, dx.data);
  return env.Undefined();
}

// cudaConv2dBackwardWeight(x, xShape, dy, dw|null, wShape, db|null, strideH, strideW, padH, padW)
Napi::Value conv2dBackwardWeightJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 10, "cudaConv2dBackwardWeight");
  const auto xs = argShape(info, 1, "xShape"), ws = argShape(info, 4, "wShape");
  const ConvShape s = convShapeArgs(info, xs, ws, 6);
  const DeviceF32 x = argDevice(info, 0, "x"), dy = argDevice(info, 2, "dy");
  const DeviceF32 dw = argDeviceOrNull(info, 3, "dw"), db = argDeviceOrNull(info, 5, "db");
  requireLength(env, x, numel(xs), "x");
  requireLength(env, dy, outSize(s), "dy");
  requireOptionalLength(env, dw, numel(ws), "dw");
  requireOptionalLength(env, db, static_cast<size_t>(s.K), "db");
  cuda::conv2dBackwardWeight(s, x.data, dy.data, dw.data, db.data);
  return env.Undefined();
}

// Sources at args i (array of device buffers), i+1 (channels), i+2 ([N,H,W]); returns their
// concatenated (N, sum C, H, W) shape and fills `out` (data pointers checked for length).
std::vector<int64_t> sourcesArg(const Napi::CallbackInfo& info, size_t i, std::vector<ConvSource>& out) {
  Napi::Env env = info.Env();
  Napi::Value v = info[i];
  if (!v.IsArray()) throwType(env, "an array of device buffers", "xs", v);
  Napi::Array arr = v.As<Napi::Array>();
  const auto channels = argShape(info, i + 1, "channels");
  const auto nhw = argShape(info, i + 2, "nhw");
  requireRank(env, nhw, 3, "nhw");
  if (arr.Length() != channels.size() || channels.empty())
    throwRange(env, "one channel count per source", "channels", std::to_string(channels.size()));
  out.clear();
  int64_t total = 0;
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value e = arr.Get(k);
    if (!isDeviceBuffer(e)) throwType(env, "a CUDA device buffer", "xs[i]", e);
    const DeviceBlock* b = e.As<Napi::External<DeviceBlock>>().Data();
    const size_t want = static_cast<size_t>(nhw[0] * channels[k] * nhw[1] * nhw[2]);
    if (b->length != want) throwRange(env, "a device buffer of length " + std::to_string(want), "xs[i]",
                                      "length " + std::to_string(b->length));
    out.push_back(ConvSource{b->data, channels[k]});
    total += channels[k];
  }
  return {nhw[0], total, nhw[1], nhw[2]};
}

// cudaFeatureTransferForward(xs, channels, nhw, weight, wShape, bias|null, y, strideH, strideW, padH, padW)
Napi::Value featureTransferForwardJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 11, "cudaFeatureTransferForward");
  std::vector<ConvSource> xs;
  const auto xShape = sourcesArg(info, 0, xs);
  const auto ws = argShape(info, 4, "wShape");
  const ConvShape s = convShapeArgs(info, xShape, ws, 7);
  const DeviceF32 w = argDevice(info, 3, "weight"), b = argDeviceOrNull(info, 5, "bias"), y = argDevice(info, 6, "y");
  requireLength(env, w, numel(ws), "weight");
  requireOptionalLength(env, b, static_cast<size_t>(s.K), "bias");
  requireLength(env, y, outSize(s), "y");
  cuda::featureTransferForward(s, xs, w.data, b.data, y.data);
  return env.Undefined();
}

// cudaFeatureTransferBackward(xs, channels, nhw, weight, wShape, dy, dxs (entries may be null),
//                             dw|null, db|null, sh, sw, ph, pw)
Napi::Value featureTransferBackwardJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 13, "cudaFeatureTransferBackward");
  std::vector<ConvSource> xs;
  const auto xShape = sourcesArg(info, 0, xs);
  const auto ws = argShape(info, 4, "wShape");
  const ConvShape s = convShapeArgs(info, xShape, ws, 9);
  const DeviceF32 w = argDevice(info, 3, "weight"), dy = argDevice(info, 5, "dy");
  const DeviceF32 dw = argDeviceOrNull(info, 7, "dw"), db = argDeviceOrNull(info, 8, "db");
  requireLength(env, w, numel(ws), "weight");
  requireLength(env, dy, outSize(s), "dy");
  requireOptionalLength(env, dw, numel(ws), "dw");
  requireOptionalLength(env, db, static_cast<size_t>(s.K), "db");
  Napi::Value dv = info[6];
  if (!dv.IsArray() || dv.As<Napi::Array>().Length() != xs.size())
    throwType(env, "one gradient buffer (or null) per source", "dxs", dv);
  std::vector<float*> dxs(xs.size(), nullptr);
  for (uint32_t k = 0; k < xs.size(); ++k) {
    Napi::Value e = dv.As<Napi::Array>().Get(k);
    if (e.IsNull() || e.IsUndefined()) continue;
    if (!isDeviceBuffer(e)) throwType(env, "a CUDA device buffer or null", "dxs[i]", e);
    const DeviceBlock* b = e.As<Napi::External<DeviceBlock>>().Data();
    const size_t want = static_cast<size_t>(s.N * xs[k].channels * s.H * s.W);
    if (b->length != want) throwRange(env, "a device buffer of length " + std::to_string(want), "dxs[i]",
                                      "length " + std::to_string(b->length));
    dxs[k] = b->data;
  }
  cuda::featureTransferBackward(s, xs, w.data, dy.data, dxs, dw.data, db.data);
  return env.Undefined();
}

// cudaLinearForward(x, weight, bias|null, y, N, in, out)
Napi::Value linearForwardJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 7, "cudaLinearForward");
  const int64_t n = argInt(info, 4, "N"), in = argInt(info, 5, "in"), out = argInt(info, 6, "out");
  if (n < 1 || in < 1 || out < 1) throwRange(env, "positive sizes", "n/inF/outF", "others");
  const DeviceF32 x = argDevice(info, 0, "x"), w = argDevice(info, 1, "weight"), b = argDeviceOrNull(info, 2, "bias");
  const DeviceF32 y = argDevice(info, 3, "y");
  requireLength(env, x, static_cast<size_t>(n * in), "x");
  requireLength(env, w, static_cast<size_t>(out * in), "weight");
  requireOptionalLength(env, b, static_cast<size_t>(out), "bias");
  requireLength(env, y, static_cast<size_t>(n * out), "y");
  cuda::linearForward(n, in, out, x.data, w.data, b.data, y.data);
  return env.Undefined();
}

// cudaLinearBackward(x, weight, dy, dx|null, dw|null, db|null, N, in, out)
Napi::Value linearBackwardJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 9, "cudaLinearBackward");
  const int64_t n = argInt(info, 6, "N"), in = argInt(info, 7, "in"), out = argInt(info, 8, "out");
  if (n < 1 || in < 1 || out < 1) throwRange(env, "positive sizes", "n/inF/outF", "others");
  const DeviceF32 x = argDevice(info, 0, "x"), w = argDevice(info, 1, "weight"), dy = argDevice(info, 2, "dy");
  const DeviceF32 dx = argDeviceOrNull(info, 3, "dx"), dw = argDeviceOrNull(info, 4, "dw");
  const DeviceF32 db = argDeviceOrNull(info, 5, "db");
  requireLength(env, x, static_cast<size_t>(n * in), "x");
  requireLength(env, w, static_cast<size_t>(out * in), "weight");
  requireLength(env, dy, static_cast<size_t>(n * out), "dy");
  requireOptionalLength(env, dx, static_cast<size_t>(n * in), "dx");
  requireOptionalLength(env, dw, static_cast<size_t>(out * in), "dw");
  requireOptionalLength(env, db, static_cast<size_t>(out), "db");
  cuda::linearBackward(n, in, out, x.data, w.data, dy.data, dx.data, dw.data, db.data);
  return env.Undefined();
}

}  // namespace

void registerCudaConv(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "cudaConv2dForward", conv2dForwardJs);
  exportFunction(env, exports, "cudaConv2dBackwardData", conv2dBackwardDataJs);
  exportFunction(env, exports, "cudaConv2dBackwardWeight", conv2dBackwardWeightJs);
  exportFunction(env, exports, "cudaFeatureTransferForward", featureTransferForwardJs);
  exportFunction(env, exports, "cudaFeatureTransferBackward", featureTransferBackwardJs);
  exportFunction(env, exports, "cudaLinearForward", linearForwardJs);
  exportFunction(env, exports, "cudaLinearBackward", linearBackwardJs);
}

}  // namespace ftm
