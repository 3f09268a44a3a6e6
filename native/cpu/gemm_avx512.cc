// AVX-512 SGEMM micro-kernel: an 8 x 48 tile held in 24 zmm accumulators.
#include "gemm_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

namespace ftm {
namespace {

constexpr int MR = 8;
constexpr int NR = 48;

#define FTM_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma")))

FTM_AVX512 void kernelAvx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int mr,
                             int nr, bool accumulate, const float* rowBias) {
  __m512 acc[MR][3];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    const __m512 init =
        (!accumulate && rowBias != nullptr && i < mr) ? _mm512_set1_ps(rowBias[i]) : _mm512_setzero_ps();
    acc[i][0] = init;
    acc[i][1] = init;
    acc[i][2] = init;
  }
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_load_ps(b);
    const __m512 b1 = _mm512_load_ps(b + 16);
    const __m512 b2 = _mm512_load_ps(b + 32);
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * NR), _MM_HINT_T0);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
      acc[i][2] = _mm512_fmadd_ps(ai, b2, acc[i][2]);
    }
    a += MR;
    b += NR;
  }
  if (mr == MR && nr == NR) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      float* ci = c + i * ldc;
      if (accumulate) {
        acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_loadu_ps(ci));
        acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_loadu_ps(ci + 16));
        acc[i][2] = _mm512_add_ps(acc[i][2], _mm512_loadu_ps(ci + 32));
      }
      _mm512_storeu_ps(ci, acc[i][0]);
      _mm512_storeu_ps(ci + 16, acc[i][1]);
      _mm512_storeu_ps(ci + 32, acc[i][2]);
    }
    return;
  }
  // Edge tile: masked stores keep it in registers.
  {
    const __mmask16 m2 = nr >= 48 ? 0xFFFF : nr > 32 ? static_cast<__mmask16>((1u << (nr - 32)) - 1) : 0;
    const __mmask16 m1 = nr >= 32 ? 0xFFFF : nr > 16 ? static_cast<__mmask16>((1u << (nr - 16)) - 1) : 0;
    const __mmask16 m0 = nr >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nr) - 1);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      if (i >= mr) break;
      float* ci = c + i * ldc;
      if (accumulate) {
        acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_maskz_loadu_ps(m0, ci));
        acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_maskz_loadu_ps(m1, ci + 16));
        acc[i][2] = _mm512_add_ps(acc[i][2], _mm512_maskz_loadu_ps(m2, ci + 32));
      }
      _mm512_mask_storeu_ps(ci, m0, acc[i][0]);
      _mm512_mask_storeu_ps(ci + 16, m1, acc[i][1]);
      _mm512_mask_storeu_ps(ci + 32, m2, acc[i][2]);
    }
  }
}

}  // namespace

const GemmKernel kGemmKernelAvx512 = {"avx512 8x48", MR, NR, 640, 128, 768, kernelAvx512};

}  // namespace ftm
#endif
