// AVX2+FMA SGEMM micro-kernel: a 6 x 16 tile held in 12 ymm accumulators.
#include "gemm_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

namespace ftm {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;

__attribute__((target("avx2,fma"))) void kernelAvx2(int64_t kc, const float* a, const float* b, float* c,
                                                     int64_t ldc, int mr, int nr, bool accumulate,
                                                     const float* rowBias) {
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    const __m256 init =
        (!accumulate && rowBias != nullptr && i < mr) ? _mm256_set1_ps(rowBias[i]) : _mm256_setzero_ps();
    acc[i][0] = init;
    acc[i][1] = init;
  }
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }
  if (mr == MR && nr == NR) {
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      float* ci = c + i * ldc;
      if (accumulate) {
        acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_loadu_ps(ci));
        acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_loadu_ps(ci + 8));
      }
      _mm256_storeu_ps(ci, acc[i][0]);
      _mm256_storeu_ps(ci + 8, acc[i][1]);
    }
    return;
  }
  alignas(32) float tile[MR * NR];
  for (int i = 0; i < MR; ++i) {
    _mm256_store_ps(tile + i * NR, acc[i][0]);
    _mm256_store_ps(tile + i * NR + 8, acc[i][1]);
  }
  storeEdgeTile(tile, NR, c, ldc, mr, nr, accumulate);
}

}  // namespace

const GemmKernel kGemmKernelAvx2 = {"avx2 6x16", MR, NR, 512, 132, 1024, kernelAvx2};

}  // namespace ftm
#endif
