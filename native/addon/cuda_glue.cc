// Glue for the CUDA backend: cudaInfo always; device tensors and kernels when built with CUDA
// (every CUDA entry throws the backend's reason when no device is available).
#include "../cuda/cuda_backend.h"
#include "glue.h"
#ifdef FTMTLNET_WITH_CUDA
#include "cuda_tensor_glue.h"
#endif

namespace ftm {
namespace {

Napi::Value cudaInfoJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const CudaInfo c = cudaInfo();
  Napi::Object o = Napi::Object::New(env);
  o.Set("built", Napi::Boolean::New(env, c.built));
  o.Set("available", Napi::Boolean::New(env, c.available));
  o.Set("devices", Napi::Number::New(env, c.devices));
  if (!c.reason.empty()) o.Set("reason", Napi::String::New(env, c.reason));
  if (c.available) {
    o.Set("name", Napi::String::New(env, c.name));
    o.Set("computeCapability",
          Napi::String::New(env, std::to_string(c.computeMajor) + "." + std::to_string(c.computeMinor)));
  }
  return o;
}

}  // namespace

void registerCuda(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "cudaInfo", cudaInfoJs);
#ifdef FTMTLNET_WITH_CUDA
  // Built with nvcc: device tensors and kernels (each throws the reason when no GPU is found).
  registerCudaTensor(env, exports);
  registerCudaElementwise(env, exports);
  registerCudaConv(env, exports);
  registerCudaLayers(env, exports);
  registerCudaOptim(env, exports);
  registerCudaLoss(env, exports);
#endif
}

}  // namespace ftm
