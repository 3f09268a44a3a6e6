// Strided row copy; stride 2 (the common case) deinterleaves 32 floats per step with AVX-512.
#include "strided_copy.h"

#include <cstring>

#include "cpu_features.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ftm {
namespace {

#if defined(__x86_64__)
__attribute__((target("avx512f"))) void copyStride2Avx512(float* dst, const float* src, int64_t count) {
  const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  int64_t u = 0;
  for (; u + 16 <= count; u += 16) {
    // The last element needed is src[2*(u+15)]: mask off the one past it.
    const __m512 lo = _mm512_loadu_ps(src + 2 * u);
    const __m512 hi = _mm512_maskz_loadu_ps(0x7FFF, src + 2 * u + 16);
    _mm512_storeu_ps(dst + u, _mm512_permutex2var_ps(lo, evens, hi));
  }
  for (; u < count; ++u) dst[u] = src[2 * u];
}
#endif

}  // namespace

void copyStrided(float* dst, const float* src, int64_t count, int64_t stride) {
  if (stride == 1) {
    std::memcpy(dst, src, sizeof(float) * static_cast<size_t>(count));
    return;
  }
#if defined(__x86_64__)
  if (stride == 2 && simdLevel() == SimdLevel::Avx512) {
    copyStride2Avx512(dst, src, count);
    return;
  }
#endif
  for (int64_t u = 0; u < count; ++u) dst[u] = src[u * stride];
}

}  // namespace ftm
