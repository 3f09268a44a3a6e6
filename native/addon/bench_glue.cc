// Glue for benchmark-only native helpers (the FMA peak microbenchmark).
#include "../cpu/fma_peak.h"
#include "glue.h"

namespace ftm {
namespace {

// fmaPeak(threads, iterations) -> GFLOP/s of all threads together.
Napi::Value fmaPeakJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 2, "fmaPeak");
  const int64_t threads = argInt(info, 0, "threads");
  const int64_t iterations = argInt(info, 1, "iterations");
  if (threads < 1 || threads > 1024) throwRange(info.Env(), "an integer from 1 to 1024", "threads", std::to_string(threads));
  if (iterations < 1) throwRange(info.Env(), "a positive integer", "iterations", std::to_string(iterations));
  return Napi::Number::New(info.Env(), fmaPeakGflops(static_cast<int>(threads), iterations));
}

}  // namespace

void registerBench(Napi::Env env, Napi::Object exports) { exportFunction(env, exports, "fmaPeak", fmaPeakJs); }

}  // namespace ftm
