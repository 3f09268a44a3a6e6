// The 16 floats at p with the lanes outside `keep` zeroed, read by a plain load and masked in
// registers: an AVX-512 masked load that misses the cache streams at about a quarter of a plain
// load's rate on Zen 5 (docs/winograd.md). The empty asm keeps the compiler from folding the
// load back into a masked one. For whole vectors only: all 16 floats must be readable.
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

namespace ftm {

__attribute__((target("avx512f"), always_inline)) inline __m512 loadThenMask(const float* p, __mmask16 keep) {
  __m512 v = _mm512_loadu_ps(p);
  __asm__("" : "+v"(v));
  return _mm512_maskz_mov_ps(keep, v);
}

}  // namespace ftm
#endif
