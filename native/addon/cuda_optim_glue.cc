// Glue for the CUDA optimizer kernels: the CPU glue's arguments with device buffers.
#include "../cuda/cuda_optim.h"
#include "cuda_tensor_glue.h"

namespace ftm {
namespace {

// cudaSgdStep(p, g, momentumBuf|null, lr, momentum, dampening, weightDecay, nesterov, firstStep)
Napi::Value sgdStepJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 9, "cudaSgdStep");
  const DeviceF32 p = argDevice(info, 0, "p"), g = argDevice(info, 1, "g");
  const DeviceF32 buf = argDeviceOrNull(info, 2, "momentumBuf");
  SgdOptions o{};
  o.lr = static_cast<float>(argDouble(info, 3, "lr"));
  o.momentum = static_cast<float>(argDouble(info, 4, "momentum"));
  o.dampening = static_cast<float>(argDouble(info, 5, "dampening"));
  o.weightDecay = static_cast<float>(argDouble(info, 6, "weightDecay"));
  o.nesterov = argBool(info, 7, "nesterov");
  o.firstStep = argBool(info, 8, "firstStep");
  requireLength(env, g, p.length, "g");
  if (o.momentum != 0.0f) {
    if (buf.data == nullptr) throwType(env, "a momentum buffer", "momentumBuf", info[2]);
    requireLength(env, buf, p.length, "momentumBuf");
  }
  cuda::sgdStep(p.data, g.data, buf.data, p.length, o);
  return env.Undefined();
}

// cudaAdamwStep(p, g, m, v, lr, beta1, beta2, eps, weightDecay, step)
Napi::Value adamwStepJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 10, "cudaAdamwStep");
  const DeviceF32 p = argDevice(info, 0, "p"), g = argDevice(info, 1, "g");
  const DeviceF32 m = argDevice(info, 2, "m"), v = argDevice(info, 3, "v");
  requireLength(env, g, p.length, "g");
  requireLength(env, m, p.length, "m");
  requireLength(env, v, p.length, "v");
  AdamWOptions o{};
  o.lr = static_cast<float>(argDouble(info, 4, "lr"));
  o.beta1 = static_cast<float>(argDouble(info, 5, "beta1"));
  o.beta2 = static_cast<float>(argDouble(info, 6, "beta2"));
  o.eps = static_cast<float>(argDouble(info, 7, "eps"));
  o.weightDecay = static_cast<float>(argDouble(info, 8, "weightDecay"));
  o.step = argDouble(info, 9, "step");
  if (!(o.step >= 1)) throwRange(env, "a step count >= 1", "step", std::to_string(o.step));
  cuda::adamwStep(p.data, g.data, m.data, v.data, p.length, o);
  return env.Undefined();
}

// cudaSumSquares(x) -> number (waits for the device)
Napi::Value sumSquaresJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 1, "cudaSumSquares");
  const DeviceF32 x = argDevice(info, 0, "x");
  return Napi::Number::New(info.Env(), cuda::sumSquares(x.data, x.length));
}

// cudaScaleInPlace(x, s)
Napi::Value scaleInPlaceJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 2, "cudaScaleInPlace");
  const DeviceF32 x = argDevice(info, 0, "x");
  cuda::scaleInPlace(x.data, x.length, static_cast<float>(argDouble(info, 1, "s")));
  return info.Env().Undefined();
}

}  // namespace

void registerCudaOptim(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "cudaSgdStep", sgdStepJs);
  exportFunction(env, exports, "cudaAdamwStep", adamwStepJs);
  exportFunction(env, exports, "cudaSumSquares", sumSquaresJs);
  exportFunction(env, exports, "cudaScaleInPlace", scaleInPlaceJs);
}

}  // namespace ftm
