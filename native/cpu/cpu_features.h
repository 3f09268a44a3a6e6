// Run-time CPU feature detection: picks the SIMD code path once per process.
#pragma once

namespace ftm {

enum class SimdLevel { Scalar = 0, Avx2 = 1, Avx512 = 2 };

// Best level this CPU supports, capped by FTMTLNET_SIMD=scalar|avx2|avx512 if set.
SimdLevel simdLevel();
const char* simdLevelName(SimdLevel level);

}  // namespace ftm
