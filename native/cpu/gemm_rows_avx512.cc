// AVX-512 rows kernels: 8 x 48 tile in 24 zmm accumulators, B read straight from plane rows,
// and its 8 x 16 and 8 x 32 narrowings for a last panel that is that narrow.
#include "gemm_rows.h"

#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>

namespace ftm {
namespace {

constexpr int MR = 8;
constexpr int NR = 48;
// Steps of k (MR floats of packed A each) that the prefetch of A runs ahead.
constexpr int64_t kPrefetchSteps = 256;

// V vectors of 16 columns (1..3).
template <int64_t AStep, int V>
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma"), always_inline)) inline void kernelRowsAvx512Body(
    int64_t kc, const float* const* a, const float* const* rows, int64_t col, float* c, int64_t ldc, bool accumulate) {
  __m512 acc[MR][V];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 3
    for (int v = 0; v < V; ++v) acc[i][v] = accumulate ? _mm512_loadu_ps(c + i * ldc + 16 * v) : _mm512_setzero_ps();
  const float* ap[MR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) ap[i] = a[i];
  for (int64_t k = 0; k < kc; ++k) {
    // Packed A (the Winograd convolution's kept weights): a line into L2 every other step, 8 KB
    // ahead (the following row blocks' panels, contiguous). At batch 1 those weights come from
    // memory once per forward; the hardware prefetch alone left the 32x32 layers 22-27% slower
    // than with their weights in cache. Prefetches past the panels' end do not fault.
    if (AStep != 1 && (k & 1) == 0)
      _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(ap[0]) +
                                                 static_cast<uintptr_t>((k + kPrefetchSteps) * MR) * sizeof(float)),
                   _MM_HINT_T1);
    const float* b = rows[k] + col;
    __m512 bv[V];
#pragma GCC unroll 3
    for (int v = 0; v < V; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(AStep == 1 ? ap[i][k] : ap[0][k * MR + i]);
#pragma GCC unroll 3
      for (int v = 0; v < V; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 3
    for (int v = 0; v < V; ++v) _mm512_storeu_ps(c + i * ldc + 16 * v, acc[i][v]);
}

template <int V>
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma"))) void kernelRowsAvx512(int64_t kc, const float* const* a, int64_t aStep,
    const float* const* rows, int64_t col, float* c, int64_t ldc, bool accumulate) {
  if (aStep == 1) kernelRowsAvx512Body<1, V>(kc, a, rows, col, c, ldc, accumulate);
  else kernelRowsAvx512Body<MR, V>(kc, a, rows, col, c, ldc, accumulate);
}

}  // namespace

const RowsKernel kRowsKernelAvx512 = {"avx512 8x48 rows", MR, NR, kernelRowsAvx512<3>, 16,
                                      {kernelRowsAvx512<1>, kernelRowsAvx512<2>}};

}  // namespace ftm
#endif
