// Glue for the conv kernels (conv2d and the fused feature-transfer op): unwrap arguments,
// check memory safety, call native/cpu.
#include <string>
#include <vector>

#include "../cpu/conv.h"
#include "../cpu/feature_transfer.h"
#include "glue.h"

namespace ftm {
namespace {

// A Float32Array (or null when allowNull) inside a JS array.
F32 elementF32(Napi::Env env, const Napi::Array& a, uint32_t i, const char* name, bool allowNull) {
  Napi::Value v = a.Get(i);
  if (allowNull && (v.IsNull() || v.IsUndefined())) return F32{};
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throwType(env, "Float32Array", name, v);
  Napi::Float32Array f = v.As<Napi::Float32Array>();
  return F32{f.Data(), f.ElementLength()};
}

Napi::Array argArray(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsArray()) throwType(info.Env(), "an array", name, v);
  return v.As<Napi::Array>();
}

// Reads stride (sh, sw) and padding (ph, pw) at info[i..i+3].
ConvShape geometry(const Napi::CallbackInfo& info, size_t i, int64_t N, int64_t C, int64_t H, int64_t W,
                   const std::vector<int64_t>& wShape) {
  const int64_t sh = argInt(info, i, "strideH"), sw = argInt(info, i + 1, "strideW");
  const int64_t ph = argInt(info, i + 2, "padH"), pw = argInt(info, i + 3, "padW");
  if (sh < 1 || sw < 1) throwRange(info.Env(), "a stride >= 1", "stride", std::to_string(std::min(sh, sw)));
  if (ph < 0 || pw < 0) throwRange(info.Env(), "a padding >= 0", "padding", std::to_string(std::min(ph, pw)));
  if (wShape[1] != C)
    throwRange(info.Env(), std::to_string(C) + " input channels", "weight", std::to_string(wShape[1]));
  if (H + 2 * ph < wShape[2] || W + 2 * pw < wShape[3])
    throwRange(info.Env(), "a kernel no larger than the padded input", "weight", "a larger kernel");
  return makeConvShape(N, C, H, W, wShape[0], wShape[2], wShape[3], sh, sw, ph, pw);
}

// conv2dForward(x, xShape, w, wShape, b|null, y, sh, sw, ph, pw[, relu[, rowScale|null]])
Napi::Value conv2dForwardJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 10, "conv2dForward");
  const F32 x = argF32(info, 0, "x");
  const auto xs = argShape(info, 1, "xShape");
  const F32 w = argF32(info, 2, "weight");
  const auto ws = argShape(info, 3, "wShape");
  const F32 b = argF32OrNull(info, 4, "bias");
  const F32 y = argF32(info, 5, "y");
  requireRank(env, xs, 4, "xShape");
  requireRank(env, ws, 4, "wShape");
  const ConvShape s = geometry(info, 6, xs[0], xs[1], xs[2], xs[3], ws);
  requireLength(env, x, numel(xs), "x");
  requireLength(env, w, numel(ws), "weight");
  if (b.data) requireLength(env, b, s.K, "bias");
  requireLength(env, y, s.N * s.K * s.P * s.Q, "y");
  const bool relu = info.Length() > 10 && argBool(info, 10, "relu");
  const F32 scale = info.Length() > 11 ? argF32OrNull(info, 11, "rowScale") : F32{};
  if (scale.data) requireLength(env, scale, s.K, "rowScale");
  conv2dForward(s, x.data, w.data, b.data, y.data, relu, scale.data);
  return env.Undefined();
}

// conv2dBackwardData(dy, w, wShape, dx, xShape, sh, sw, ph, pw)
Napi::Value conv2dBackwardDataJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 9, "conv2dBackwardData");
  const F32 dy = argF32(info, 0, "dy");
  const F32 w = argF32(info, 1, "weight");
  const auto ws = argShape(info, 2, "wShape");
  const F32 dx = argF32(info, 3, "dx");
  const auto xs = argShape(info, 4, "xShape");
  requireRank(env, xs, 4, "xShape");
  requireRank(env, ws, 4, "wShape");
  const ConvShape s = geometry(info, 5, xs[0], xs[1], xs[2], xs[3], ws);
  requireLength(env, dy, s.N * s.K * s.P * s.Q, "dy");
  requireLength(env, w, numel(ws), "weight");
  requireLength(env, dx, numel(xs), "dx");
  conv2dBackwardData(s, dy.data, w.data, dx.data);
  return env.Undefined();
}

// conv2dBackwardWeight(x, xShape, dy, dw|null, wShape, db|null, sh, sw, ph, pw)
Napi::Value conv2dBackwardWeightJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 10, "conv2dBackwardWeight");
  const F32 x = argF32(info, 0, "x");
  const auto xs = argShape(info, 1, "xShape");
  const F32 dy = argF32(info, 2, "dy");
  const F32 dw = argF32OrNull(info, 3, "dw");
  const auto ws = argShape(info, 4, "wShape");
  const F32 db = argF32OrNull(info, 5, "db");
  requireRank(env, xs, 4, "xShape");
  requireRank(env, ws, 4, "wShape");
  const ConvShape s = geometry(info, 6, xs[0], xs[1], xs[2], xs[3], ws);
  requireLength(env, x, numel(xs), "x");
  requireLength(env, dy, s.N * s.K * s.P * s.Q, "dy");
  if (dw.data) requireLength(env, dw, numel(ws), "dw");
  if (db.data) requireLength(env, db, s.K, "db");
  conv2dBackwardWeight(s, x.data, dy.data, dw.data, db.data);
  return env.Undefined();
}

// Sources of a feature transfer: xs (array of Float32Array) with channel counts and (N,H,W).
std::vector<ConvSource> sourcesArg(const Napi::CallbackInfo& info, size_t i, int64_t& N, int64_t& C, int64_t& H,
                                   int64_t& W) {
  Napi::Env env = info.Env();
  const Napi::Array xs = argArray(info, i, "xs");
  const auto channels = argShape(info, i + 1, "channels");
  const auto nhw = argShape(info, i + 2, "nhw");
  requireRank(env, nhw, 3, "nhw");
  if (xs.Length() != channels.size() || channels.empty())
    throwRange(env, std::to_string(channels.size()) + " sources", "xs", std::to_string(xs.Length()));
  N = nhw[0];
  H = nhw[1];
  W = nhw[2];
  C = 0;
  std::vector<ConvSource> out;
  for (uint32_t k = 0; k < xs.Length(); ++k) {
    const F32 a = elementF32(env, xs, k, "xs[i]", false);
    requireLength(env, a, static_cast<size_t>(N * channels[k] * H * W), "xs[i]");
    out.push_back(ConvSource{a.data, channels[k]});
    C += channels[k];
  }
  return out;
}

// featureTransferForward(xs, channels, nhw, w, wShape, b|null, y, sh, sw, ph, pw[, relu[, rowScale|null]])
Napi::Value featureTransferForwardJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 11, "featureTransferForward");
  int64_t N, C, H, W;
  const auto xs = sourcesArg(info, 0, N, C, H, W);
  const F32 w = argF32(info, 3, "weight");
  const auto ws = argShape(info, 4, "wShape");
  const F32 b = argF32OrNull(info, 5, "bias");
  const F32 y = argF32(info, 6, "y");
  requireRank(env, ws, 4, "wShape");
  const ConvShape s = geometry(info, 7, N, C, H, W, ws);
  requireLength(env, w, numel(ws), "weight");
  if (b.data) requireLength(env, b, s.K, "bias");
  requireLength(env, y, s.N * s.K * s.P * s.Q, "y");
  const bool relu = info.Length() > 11 && argBool(info, 11, "relu");
  const F32 scale = info.Length() > 12 ? argF32OrNull(info, 12, "rowScale") : F32{};
  if (scale.data) requireLength(env, scale, s.K, "rowScale");
  featureTransferForward(s, xs, w.data, b.data, y.data, relu, scale.data);
  return env.Undefined();
}

// featureTransferBackward(xs, channels, nhw, w, wShape, dy, dxs (entries may be null), dw|null,
//                         db|null, sh, sw, ph, pw)
Napi::Value featureTransferBackwardJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 13, "featureTransferBackward");
  int64_t N, C, H, W;
  const auto xs = sourcesArg(info, 0, N, C, H, W);
  const F32 w = argF32(info, 3, "weight");
  const auto ws = argShape(info, 4, "wShape");
  const F32 dy = argF32(info, 5, "dy");
  const Napi::Array dxArr = argArray(info, 6, "dxs");
  const F32 dw = argF32OrNull(info, 7, "dw");
  const F32 db = argF32OrNull(info, 8, "db");
  requireRank(env, ws, 4, "wShape");
  const ConvShape s = geometry(info, 9, N, C, H, W, ws);
  requireLength(env, w, numel(ws), "weight");
  requireLength(env, dy, s.N * s.K * s.P * s.Q, "dy");
  if (dxArr.Length() != xs.size())
    throwRange(env, std::to_string(xs.size()) + " gradients", "dxs", std::to_string(dxArr.Length()));
  std::vector<float*> dxs;
  for (uint32_t k = 0; k < dxArr.Length(); ++k) {
    const F32 a = elementF32(env, dxArr, k, "dxs[i]", true);
    if (a.data) requireLength(env, a, static_cast<size_t>(N * xs[k].channels * H * W), "dxs[i]");
    dxs.push_back(a.data);
  }
  if (dw.data) requireLength(env, dw, numel(ws), "dw");
  if (db.data) requireLength(env, db, s.K, "db");
  featureTransferBackward(s, xs, w.data, dy.data, dxs, dw.data, db.data);
  return env.Undefined();
}

}  // namespace

void registerConv(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "conv2dForward", conv2dForwardJs);
  exportFunction(env, exports, "conv2dBackwardData", conv2dBackwardDataJs);
  exportFunction(env, exports, "conv2dBackwardWeight", conv2dBackwardWeightJs);
  exportFunction(env, exports, "featureTransferForward", featureTransferForwardJs);
  exportFunction(env, exports, "featureTransferBackward", featureTransferBackwardJs);
}

}  // namespace ftm
