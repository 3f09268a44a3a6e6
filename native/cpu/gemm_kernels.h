// The SGEMM micro-kernels, one per SIMD level (each in its own file, compiled with
// target attributes so one binary runs on any x86-64).
#pragma once
#include "gemm.h"

namespace ftm {

extern const GemmKernel kGemmKernelScalar;  // 4 x 16, portable C++
#if defined(__x86_64__)
extern const GemmKernel kGemmKernelAvx2;    // 6 x 16, ymm accumulators
extern const GemmKernel kGemmKernelAvx512;  // 8 x 48, zmm accumulators
#endif

// Copies an mr x nr corner of a full tile (ldt = tile row stride) into c, adding when accumulate.
inline void storeEdgeTile(const float* tile, int64_t ldt, float* c, int64_t ldc, int mr, int nr,
                          bool accumulate) {
  for (int i = 0; i < mr; ++i) {
    float* ci = c + i * ldc;
    const float* ti = tile + i * ldt;
    if (accumulate)
      for (int j = 0; j < nr; ++j) ci[j] += ti[j];
    else
      for (int j = 0; j < nr; ++j) ci[j] = ti[j];
  }
}

}  // namespace ftm
