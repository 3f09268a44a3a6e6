// AVX2+FMA rows kernel: 6 x 16 tile in 12 ymm accumulators, B read straight from plane rows.
#include "gemm_rows.h"

#if defined(__x86_64__)
#include <immintrin.h>

namespace ftm {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;

template <int64_t AStep>
__attribute__((target("avx2,fma"), always_inline)) inline void kernelRowsAvx2Body(
    int64_t kc, const float* const* a, const float* const* rows, int64_t col, float* c, int64_t ldc, bool accumulate) {
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    if (accumulate) {
      acc[i][0] = _mm256_loadu_ps(c + i * ldc);
      acc[i][1] = _mm256_loadu_ps(c + i * ldc + 8);
    } else {
      acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    }
  }
  const float* ap[MR];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) ap[i] = a[i];
  for (int64_t k = 0; k < kc; ++k) {
    const float* b = rows[k] + col;
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(AStep == 1 ? ap[i] + k : ap[0] + k * MR + i);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    _mm256_storeu_ps(c + i * ldc, acc[i][0]);
    _mm256_storeu_ps(c + i * ldc + 8, acc[i][1]);
  }
}

__attribute__((target("avx2,fma"))) void kernelRowsAvx2(int64_t kc, const float* const* a, int64_t aStep,
    const float* const* rows, int64_t col, float* c, int64_t ldc, bool accumulate) {
  if (aStep == 1) kernelRowsAvx2Body<1>(kc, a, rows, col, c, ldc, accumulate);
  else kernelRowsAvx2Body<MR>(kc, a, rows, col, c, ldc, accumulate);
}

}  // namespace

const RowsKernel kRowsKernelAvx2 = {"avx2 6x16 rows", MR, NR, kernelRowsAvx2};

}  // namespace ftm
#endif
