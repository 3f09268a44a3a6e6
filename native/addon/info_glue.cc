// Glue for build/machine information, the thread count and the convolution algorithm.
#include "../cpu/cpu_features.h"
#include "../cpu/thread_pool.h"
#include "../cpu/winograd.h"
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

Napi::Value convAlgorithmJs(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), convAlgorithmName(convAlgorithm()));
}

// setConvAlgorithm('auto' | 'direct' | 'wino2' | 'wino4')
Napi::Value setConvAlgorithmJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 1, "setConvAlgorithm");
  const std::string expected = "one of 'auto', 'direct', 'wino2', 'wino4'";
  if (!info[0].IsString()) throwType(info.Env(), expected, "algorithm", info[0]);
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  ConvAlgorithm algorithm;
  if (!parseConvAlgorithm(name, &algorithm)) throwRange(info.Env(), expected, "algorithm", "'" + name + "'");
  setConvAlgorithm(algorithm);
  return info.Env().Undefined();
}

}  // namespace

void registerInfo(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "simdLevel", simdLevelJs);
  exportFunction(env, exports, "numThreads", numThreadsJs);
  exportFunction(env, exports, "setNumThreads", setNumThreadsJs);
  exportFunction(env, exports, "convAlgorithm", convAlgorithmJs);
  exportFunction(env, exports, "setConvAlgorithm", setConvAlgorithmJs);
}

}  // namespace ftm
