// Branch-free float32 exp and log1p on GCC vector types (Cephes polynomials, about 1 ulp over
// the ranges the loss kernels use); compiled per target by the functions that inline them.
#pragma once
// The 64-byte vector types are only used inside functions compiled for AVX-512 (inlined).
#pragma GCC diagnostic ignored "-Wpsabi"
#include <cstdint>

namespace ftm {

#define FTM_VINLINE inline __attribute__((always_inline))

template <int W>
struct VecOf {
  typedef float F __attribute__((vector_size(4 * W)));
  typedef int32_t I __attribute__((vector_size(4 * W)));
};

// exp(x) for x in [-87.3, 88.3] (clamped outside).
template <class F, class I>
FTM_VINLINE F vexp(F x) {
  x = x < -87.3f ? F{} - 87.3f : x;
  x = x > 88.3f ? F{} + 88.3f : x;
  const F fx = x * 1.44269504088896341f + 0.5f;
  F fi = __builtin_convertvector(__builtin_convertvector(fx, I), F);
  fi = fi > fx ? fi - 1.0f : fi;  // floor (selects stay on float lanes: AVX-512 keeps them in masks)
  const I i = __builtin_convertvector(fi, I);
  x = x - fi * 0.693359375f + fi * 2.12194440e-4f;
  const F z = x * x;
  F y = F{} + 1.9875691500e-4f;
  y = y * x + 1.3981999507e-3f;
  y = y * x + 8.3334519073e-3f;
  y = y * x + 4.1665795894e-2f;
  y = y * x + 1.6666665459e-1f;
  y = y * x + 5.0000001201e-1f;
  y = y * z + x + 1.0f;
  return y * reinterpret_cast<F>((i + 127) << 23);
}

// log(x) for positive normal x.
template <class F, class I>
FTM_VINLINE F vlog(F x) {
  const I bits = reinterpret_cast<I>(x);
  F e = __builtin_convertvector(((bits >> 23) & 0xff) - 126, F);
  F m = reinterpret_cast<F>((bits & 0x007fffff) | 0x3f000000);  // x = m * 2^e, m in [0.5, 1)
  e = m < 0.70710678118654752f ? e - 1.0f : e;
  m = m < 0.70710678118654752f ? m + m - 1.0f : m - 1.0f;
  const F z = m * m;
  F y = F{} + 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  y = y - e * 2.12194440e-4f - 0.5f * z;
  return m + y + e * 0.693359375f;
}

// log(1 + u) for u >= 0, accurate for small u (Goldberg: log(w) * u / (w - 1), w = 1 + u).
template <class F, class I>
FTM_VINLINE F vlog1p(F u) {
  const F w = u + 1.0f;
  const F d = w - 1.0f;
  return d == 0.0f ? u : vlog<F, I>(w) * (u / d);
}

}  // namespace ftm
