// AVX-512 row gather for the implicit im2col packers (unit column stride): each packed row
// segment is copied with masked 16-lane loads/stores; masked-off lanes (the padding) read
// nothing and are written as zeros.
#include "conv_packing_rows.h"

#if defined(__x86_64__)
#include <immintrin.h>

namespace ftm {

__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))) void gatherPatchRowsAvx512(
    const ConvPatches& p, int64_t k0, int64_t kc, const PixelSegment* segs, int nseg, float* dst, int64_t ldd) {
  const int64_t taps = static_cast<int64_t>(p.oy.size());
  int64_t c = k0 / taps;
  int64_t t = k0 - c * taps;
  for (int64_t kk = 0; kk < kc; ++kk) {
    const float* plane = p.planes[c];
    const int64_t oy = p.oy[t];
    const int64_t ox = p.ox[t];
    float* d = dst + kk * ldd;
    for (int s = 0; s < nseg; ++s) {
      const PixelSegment& g = segs[s];
      const int64_t iy = g.i * p.sy + oy;
      float* out = d + g.off;
      if (iy < 0 || iy >= p.H) {
        for (int64_t u = 0; u < g.len; u += 16) {
          const int64_t n = std::min<int64_t>(16, g.len - u);
          _mm512_mask_storeu_ps(out + u, static_cast<__mmask16>((1u << n) - 1), _mm512_setzero_ps());
        }
        continue;
      }
      // Input column of lane u: x0 + u, valid when 0 <= x0 + u < W.
      const int64_t x0 = g.j0 + ox;
      const float* src = plane + iy * p.W + x0;
      const int64_t lo = std::max<int64_t>(0, -x0);
      const int64_t hi = std::min<int64_t>(g.len, p.W - x0);
      for (int64_t u = 0; u < g.len; u += 16) {
        const int64_t n = std::min<int64_t>(16, g.len - u);
        const __mmask16 store = static_cast<__mmask16>((1u << n) - 1);
        if (u >= lo && u + n <= hi) {
          _mm512_mask_storeu_ps(out + u, store, _mm512_maskz_loadu_ps(store, src + u));
        } else {
          const int64_t a = std::max<int64_t>(lo - u, 0);
          const int64_t b = std::min<int64_t>(hi - u, n);
          const __mmask16 valid = b > a ? static_cast<__mmask16>(((1u << b) - 1) & ~((1u << a) - 1)) : 0;
          _mm512_mask_storeu_ps(out + u, store, _mm512_maskz_loadu_ps(valid, src + u));
        }
      }
    }
    if (++t == taps) {
      t = 0;
      ++c;
    }
  }
}

}  // namespace ftm
#endif
