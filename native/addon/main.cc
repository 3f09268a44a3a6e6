// Addon entry point: only exports the glue of each kernel family.
#include "glue.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ftm::registerMemory(env, exports);
  ftm::registerInfo(env, exports);
  ftm::registerConv(env, exports);
  ftm::registerLinear(env, exports);
  ftm::registerBench(env, exports);
  ftm::registerElementwise(env, exports);
  ftm::registerNorm(env, exports);
  ftm::registerPool(env, exports);
  ftm::registerResize(env, exports);
  ftm::registerLoss(env, exports);
  ftm::registerOptim(env, exports);
  ftm::registerCuda(env, exports);
  return exports;
}

NODE_API_MODULE(ftmtlnet, Init)
