// AVX-512 rows kernel: 8 x 48 tile in 24 zmm accumulators, B read straight from plane rows.
#include "gemm_rows.h"

#if defined(__x86_64__)
#include <immintrin.h>

namespace ftm {
namespace {

constexpr int MR = 8;
constexpr int NR = 48;

template <int64_t AStep>
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma"), always_inline)) inline void kernelRowsAvx512Body(
    int64_t kc, const float* const* a, const float* const* rows, int64_t col, float* c, int64_t ldc, bool accumulate) {
  __m512 acc[MR][3];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    if (accumulate) {
      acc[i][0] = _mm512_loadu_ps(c + i * ldc);
      acc[i][1] = _mm512_loadu_ps(c + i * ldc + 16);
      acc[i][2] = _mm512_loadu_ps(c + i * ldc + 32);
    } else {
      acc[i][0] = acc[i][1] = acc[i][2] = _mm512_setzero_ps();
    }
  }
  const float* ap[MR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) ap[i] = a[i];
  for (int64_t k = 0; k < kc; ++k) {
    const float* b = rows[k] + col;
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
    const __m512 b2 = _mm512_loadu_ps(b + 32);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(AStep == 1 ? ap[i][k] : ap[0][k * MR + i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
      acc[i][2] = _mm512_fmadd_ps(ai, b2, acc[i][2]);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    _mm512_storeu_ps(c + i * ldc, acc[i][0]);
    _mm512_storeu_ps(c + i * ldc + 16, acc[i][1]);
    _mm512_storeu_ps(c + i * ldc + 32, acc[i][2]);
  }
}

__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma"))) void kernelRowsAvx512(int64_t kc, const float* const* a, int64_t aStep,
    const float* const* rows, int64_t col, float* c, int64_t ldc, bool accumulate) {
  if (aStep == 1) kernelRowsAvx512Body<1>(kc, a, rows, col, c, ldc, accumulate);
  else kernelRowsAvx512Body<MR>(kc, a, rows, col, c, ldc, accumulate);
}

}  // namespace

const RowsKernel kRowsKernelAvx512 = {"avx512 8x48 rows", MR, NR, kernelRowsAvx512};

}  // namespace ftm
#endif
