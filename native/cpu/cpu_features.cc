// Run-time CPU feature detection with GCC/Clang builtins (x86-64); other CPUs get scalar.
#include "cpu_features.h"

#include <cstdlib>
#include <cstring>

namespace ftm {

static SimdLevel detect() {
  SimdLevel level = SimdLevel::Scalar;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) level = SimdLevel::Avx2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    level = SimdLevel::Avx512;
#endif
  const char* cap = std::getenv("FTMTLNET_SIMD");
  if (cap != nullptr) {
    SimdLevel want = level;
    if (std::strcmp(cap, "scalar") == 0) want = SimdLevel::Scalar;
    if (std::strcmp(cap, "avx2") == 0) want = SimdLevel::Avx2;
    if (std::strcmp(cap, "avx512") == 0) want = SimdLevel::Avx512;
    if (static_cast<int>(want) < static_cast<int>(level)) level = want;
  }
  return level;
}

SimdLevel simdLevel() {
  static const SimdLevel level = detect();
  return level;
}

const char* simdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::Avx512: return "avx512";
    case SimdLevel::Avx2: return "avx2";
    default: return "scalar";
  }
}

}  // namespace ftm
