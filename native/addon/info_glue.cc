// Glue for build/machine information and the thread count.
#include "../cpu/cpu_features.h"
#include "../cpu/thread_pool.h"
#include "glue.h"

namespace ftm {
namespace {

Napi::Value simdLevelJs(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), simdLevelName(simdLevel()));
}

Napi::Value numThreadsJs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), numThreads());
}

Napi::Value setNumThreadsJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 1, "setNumThreads");
  const int64_t n = argInt(info, 0, "threads");
  if (n < 1 || n > 1024) throwRange(info.Env(), "an integer from 1 to 1024", "threads", std::to_string(n));
  setNumThreads(static_cast<int>(n));
  return info.Env().Undefined();
}

}  // namespace

void registerInfo(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "simdLevel", simdLevelJs);
  exportFunction(env, exports, "numThreads", numThreadsJs);
  exportFunction(env, exports, "setNumThreads", setNumThreadsJs);
}

}  // namespace ftm
