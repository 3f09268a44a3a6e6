// Glue for the CUDA losses: the CPU glue's arguments with device buffers, plus the device
// buffer (1 float) the loss is written to (no host round trip).
#include "../cuda/cuda_device.h"
#include "../cuda/cuda_loss.h"
#include "cuda_tensor_glue.h"

namespace ftm {
namespace {

DeviceF32 lossArg(const Napi::CallbackInfo& info, size_t i) {
  const DeviceF32 l = argDevice(info, i, "loss");
  requireLength(info.Env(), l, 1, "loss");
  return l;
}

// cudaSoftmaxCrossEntropy(logits, N, K, targets: Int32Array (host), classWeight|null,
//                         labelSmoothing, dlogits|null, loss)
Napi::Value softmaxCrossEntropyJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 8, "cudaSoftmaxCrossEntropy");
  const DeviceF32 logits = argDevice(info, 0, "logits");
  const int64_t n = argInt(info, 1, "N"), k = argInt(info, 2, "K");
  if (n < 1 || k < 1) throwRange(env, "positive N and K", "N/K", std::to_string(n) + ", " + std::to_string(k));
  Napi::Value tv = info[3];
  if (!tv.IsTypedArray() || tv.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throwType(env, "Int32Array", "targets", tv);
  Napi::Int32Array targets = tv.As<Napi::Int32Array>();
  if (targets.ElementLength() != static_cast<size_t>(n))
    throwRange(env, std::to_string(n) + " class indices", "targets", "length " + std::to_string(targets.ElementLength()));
  for (size_t i = 0; i < targets.ElementLength(); ++i)
    if (targets[i] < 0 || targets[i] >= k)
      throwRange(env, "class indices from 0 to " + std::to_string(k - 1), "targets", std::to_string(targets[i]));
  const DeviceF32 weight = argDeviceOrNull(info, 4, "weight");
  const double smoothing = argDouble(info, 5, "labelSmoothing");
  const DeviceF32 dlogits = argDeviceOrNull(info, 6, "dlogits");
  const DeviceF32 loss = lossArg(info, 7);
  requireLength(env, logits, static_cast<size_t>(n * k), "logits");
  requireOptionalLength(env, weight, static_cast<size_t>(k), "weight");
  requireOptionalLength(env, dlogits, static_cast<size_t>(n * k), "dlogits");
  // The targets live on the host (labels from the loader): one counted upload.
  cuda::DeviceScratch dt(static_cast<size_t>(n) * sizeof(int32_t));
  cuda::copyToDevice(dt.as<int32_t>(), targets.Data(), static_cast<size_t>(n) * sizeof(int32_t));
  cuda::softmaxCrossEntropy(logits.data, n, k, dt.as<int32_t>(), weight.data, smoothing, dlogits.data, loss.data);
  return env.Undefined();
}

// cudaBceWithLogits(logits, targets, rows, inner, posWeight|null, channels, dlogits|null, loss)
Napi::Value bceWithLogitsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 8, "cudaBceWithLogits");
  const DeviceF32 logits = argDevice(info, 0, "logits"), targets = argDevice(info, 1, "targets");
  const int64_t rows = argInt(info, 2, "rows"), inner = argInt(info, 3, "inner");
  const DeviceF32 pw = argDeviceOrNull(info, 4, "posWeight");
  const int64_t channels = argInt(info, 5, "channels");
  if (rows < 1 || inner < 1 || channels < 1) throwRange(env, "positive sizes", "rows/inner/channels", "others");
  const DeviceF32 dlogits = argDeviceOrNull(info, 6, "dlogits");
  const DeviceF32 loss = lossArg(info, 7);
  const size_t m = static_cast<size_t>(rows * inner);
  requireLength(env, logits, m, "logits");
  requireLength(env, targets, m, "targets");
  requireOptionalLength(env, pw, static_cast<size_t>(channels), "posWeight");
  requireOptionalLength(env, dlogits, m, "dlogits");
  cuda::bceWithLogits(logits.data, targets.data, rows, inner, pw.data, channels, dlogits.data, loss.data);
  return env.Undefined();
}

// cudaDiceLoss(logits, targets, n, m, eps, dlogits|null, loss)
Napi::Value diceLossJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 7, "cudaDiceLoss");
  const DeviceF32 logits = argDevice(info, 0, "logits"), targets = argDevice(info, 1, "targets");
  const int64_t n = argInt(info, 2, "N"), m = argInt(info, 3, "M");
  if (n < 1 || m < 1) throwRange(env, "positive sizes", "n/m", "others");
  const double eps = argDouble(info, 4, "eps");
  const DeviceF32 dlogits = argDeviceOrNull(info, 5, "dlogits");
  const DeviceF32 loss = lossArg(info, 6);
  requireLength(env, logits, static_cast<size_t>(n * m), "logits");
  requireLength(env, targets, static_cast<size_t>(n * m), "targets");
  requireOptionalLength(env, dlogits, static_cast<size_t>(n * m), "dlogits");
  cuda::diceLoss(logits.data, targets.data, n, m, eps, dlogits.data, loss.data);
  return env.Undefined();
}

// cudaFocalLoss(logits, targets, alpha, beta, dlogits|null, loss)
Napi::Value focalLossJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 6, "cudaFocalLoss");
  const DeviceF32 logits = argDevice(info, 0, "logits"), targets = argDevice(info, 1, "targets");
  const double alpha = argDouble(info, 2, "alpha"), beta = argDouble(info, 3, "beta");
  const DeviceF32 dlogits = argDeviceOrNull(info, 4, "dlogits");
  const DeviceF32 loss = lossArg(info, 5);
  requireLength(env, targets, logits.length, "targets");
  requireOptionalLength(env, dlogits, logits.length, "dlogits");
  cuda::focalLoss(logits.data, targets.data, logits.length, alpha, beta, dlogits.data, loss.data);
  return env.Undefined();
}

// cudaL1Loss(pred, target, mask|null, n, c, hw, maskChannels, dpred|null, loss)
Napi::Value l1LossJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 9, "cudaL1Loss");
  const DeviceF32 pred = argDevice(info, 0, "pred"), target = argDevice(info, 1, "target");
  const DeviceF32 mask = argDeviceOrNull(info, 2, "mask");
  const int64_t n = argInt(info, 3, "N"), c = argInt(info, 4, "C"), hw = argInt(info, 5, "HW");
  const int64_t mc = argInt(info, 6, "maskChannels");
  if (n < 1 || c < 1 || hw < 1 || !(mc == 1 || mc == c)) throwRange(env, "positive sizes, maskChannels 1 or c", "n/c/hw/maskChannels", "others");
  const DeviceF32 dpred = argDeviceOrNull(info, 7, "dpred");
  const DeviceF32 loss = lossArg(info, 8);
  const size_t m = static_cast<size_t>(n * c * hw);
  requireLength(env, pred, m, "pred");
  requireLength(env, target, m, "target");
  requireOptionalLength(env, mask, static_cast<size_t>(n * mc * hw), "mask");
  requireOptionalLength(env, dpred, m, "dpred");
  cuda::l1Loss(pred.data, target.data, mask.data, n, c, hw, mc, dpred.data, loss.data);
  return env.Undefined();
}

}  // namespace

void registerCudaLoss(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "cudaSoftmaxCrossEntropy", softmaxCrossEntropyJs);
  exportFunction(env, exports, "cudaBceWithLogits", bceWithLogitsJs);
  exportFunction(env, exports, "cudaDiceLoss", diceLossJs);
  exportFunction(env, exports, "cudaFocalLoss", focalLossJs);
  exportFunction(env, exports, "cudaL1Loss", l1LossJs);
}

}  // namespace ftm
