// Glue for the loss kernels: unwrap arguments, check memory safety, call native/cpu.
#include "../cpu/loss.h"
#include "glue.h"

namespace ftm {
namespace {

struct I32 {
  int32_t* data = nullptr;
  size_t length = 0;
};

I32 argI32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throwType(info.Env(), "Int32Array", name, v);
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  return I32{a.Data(), a.ElementLength()};
}

int64_t argSize(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const int64_t v = argInt(info, i, name);
  if (v < 1) throwRange(info.Env(), "a positive size", name, std::to_string(v));
  return v;
}

void requireOptionalLength(Napi::Env env, const F32& a, size_t expected, const char* name) {
  if (a.data != nullptr) requireLength(env, a, expected, name);
}

// softmaxCrossEntropy(logits, N, K, targets: Int32Array, classWeight|null, labelSmoothing, dlogits|null)
Napi::Value softmaxCrossEntropyJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 7, "softmaxCrossEntropy");
  const F32 logits = argF32(info, 0, "logits");
  const int64_t n = argSize(info, 1, "N");
  const int64_t k = argSize(info, 2, "K");
  const I32 targets = argI32(info, 3, "targets");
  const F32 weight = argF32OrNull(info, 4, "weight");
  const double smoothing = argDouble(info, 5, "labelSmoothing");
  const F32 dlogits = argF32OrNull(info, 6, "dlogits");
  const size_t size = static_cast<size_t>(n * k);
  requireLength(env, logits, size, "logits");
  requireOptionalLength(env, dlogits, size, "dlogits");
  requireOptionalLength(env, weight, static_cast<size_t>(k), "weight");
  if (targets.length != static_cast<size_t>(n))
    throwRange(env, std::to_string(n) + " class indices", "targets", "length " + std::to_string(targets.length));
  for (size_t i = 0; i < targets.length; ++i) {
    if (targets.data[i] < 0 || targets.data[i] >= k)
      throwRange(env, "class indices from 0 to " + std::to_string(k - 1), "targets",
                 std::to_string(targets.data[i]));
  }
  return Napi::Number::New(env, softmaxCrossEntropy(logits.data, n, k, targets.data, weight.data, smoothing,
                                                    dlogits.data));
}

// bceWithLogits(logits, targets, rows, inner, posWeight|null, channels, dlogits|null)
Napi::Value bceWithLogitsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 7, "bceWithLogits");
  const F32 logits = argF32(info, 0, "logits");
  const F32 targets = argF32(info, 1, "targets");
  const int64_t rows = argSize(info, 2, "rows");
  const int64_t inner = argSize(info, 3, "inner");
  const F32 posWeight = argF32OrNull(info, 4, "posWeight");
  const int64_t channels = argSize(info, 5, "channels");
  const F32 dlogits = argF32OrNull(info, 6, "dlogits");
  const size_t size = static_cast<size_t>(rows * inner);
  requireLength(env, logits, size, "logits");
  requireLength(env, targets, size, "targets");
  requireOptionalLength(env, dlogits, size, "dlogits");
  requireOptionalLength(env, posWeight, static_cast<size_t>(channels), "posWeight");
  return Napi::Number::New(
      env, bceWithLogits(logits.data, targets.data, rows, inner, posWeight.data, channels, dlogits.data));
}

// diceLoss(logits, targets, N, M, eps, dlogits|null)
Napi::Value diceLossJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 6, "diceLoss");
  const F32 logits = argF32(info, 0, "logits");
  const F32 targets = argF32(info, 1, "targets");
  const int64_t n = argSize(info, 2, "N");
  const int64_t m = argSize(info, 3, "M");
  const double eps = argDouble(info, 4, "eps");
  const F32 dlogits = argF32OrNull(info, 5, "dlogits");
  const size_t size = static_cast<size_t>(n * m);
  requireLength(env, logits, size, "logits");
  requireLength(env, targets, size, "targets");
  requireOptionalLength(env, dlogits, size, "dlogits");
  return Napi::Number::New(env, diceLoss(logits.data, targets.data, n, m, eps, dlogits.data));
}

// focalLoss(logits, targets, alpha, beta, dlogits|null)
Napi::Value focalLossJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 5, "focalLoss");
  const F32 logits = argF32(info, 0, "logits");
  const F32 targets = argF32(info, 1, "targets");
  const double alpha = argDouble(info, 2, "alpha");
  const double beta = argDouble(info, 3, "beta");
  const F32 dlogits = argF32OrNull(info, 4, "dlogits");
  requireLength(env, targets, logits.length, "targets");
  requireOptionalLength(env, dlogits, logits.length, "dlogits");
  return Napi::Number::New(env, focalLoss(logits.data, targets.data, logits.length, alpha, beta, dlogits.data));
}

// l1Loss(pred, target, mask|null, N, C, HW, maskChannels, dpred|null)
Napi::Value l1LossJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 8, "l1Loss");
  const F32 pred = argF32(info, 0, "pred");
  const F32 target = argF32(info, 1, "target");
  const F32 mask = argF32OrNull(info, 2, "mask");
  const int64_t n = argSize(info, 3, "N");
  const int64_t c = argSize(info, 4, "C");
  const int64_t hw = argSize(info, 5, "HW");
  const int64_t maskChannels = argSize(info, 6, "maskChannels");
  const F32 dpred = argF32OrNull(info, 7, "dpred");
  const size_t size = static_cast<size_t>(n * c * hw);
  requireLength(env, pred, size, "pred");
  requireLength(env, target, size, "target");
  requireOptionalLength(env, dpred, size, "dpred");
  if (mask.data != nullptr) {
    if (maskChannels != 1 && maskChannels != c)
      throwRange(env, "1 or " + std::to_string(c) + " mask channels", "maskChannels", std::to_string(maskChannels));
    requireLength(env, mask, static_cast<size_t>(n * maskChannels * hw), "mask");
  }
  return Napi::Number::New(
      env, l1Loss(pred.data, target.data, mask.data, n, c, hw, maskChannels, dpred.data));
}

}  // namespace

void registerLoss(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "softmaxCrossEntropy", softmaxCrossEntropyJs);
  exportFunction(env, exports, "bceWithLogits", bceWithLogitsJs);
  exportFunction(env, exports, "diceLoss", diceLossJs);
  exportFunction(env, exports, "focalLoss", focalLossJs);
  exportFunction(env, exports, "l1Loss", l1LossJs);
}

}  // namespace ftm
