// Batch-norm segment loops: explicit AVX-512/AVX2 reductions (float lanes flushed to double
// every kFlush values), auto-vectorised element-wise maps compiled per target.
#include "norm_segments.h"

#include <algorithm>

#include "cpu_features.h"
#include "load_then_mask.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define FTM_X86 1
#endif

namespace ftm {
namespace {

#define FTM_ALWAYS_INLINE inline __attribute__((always_inline))

constexpr size_t kFlush = 4096;  // float partial sums are flushed to double this often

// ---- portable versions (also the element-wise bodies every target compiles) ----

void momentsScalar(const float* x, size_t len, float shift, double* out) {
  double s1 = 0, s2 = 0;
  for (size_t i = 0; i < len; ++i) {
    const double d = static_cast<double>(x[i]) - shift;
    s1 += d;
    s2 += d * d;
  }
  out[0] = s1;
  out[1] = s2;
}

void gradSumsScalar(const float* x, const float* dy, size_t len, float mean, double* out) {
  double s1 = 0, s2 = 0;
  for (size_t i = 0; i < len; ++i) {
    s1 += dy[i];
    s2 += static_cast<double>(dy[i]) * (x[i] - mean);
  }
  out[0] = s1;
  out[1] = s2;
}

FTM_ALWAYS_INLINE void affineBody(const float* __restrict x, size_t len, float a, float b, float* __restrict y) {
  for (size_t i = 0; i < len; ++i) y[i] = a * x[i] + b;
}

// a*x + b as affineRelu computes it: one expression, so every target rounds the forward's sign
// test and the backward's the same way (contracted to one FMA where the target has it, as the
// explicit AVX2 / AVX-512 sums below do; two roundings on the baseline).
FTM_ALWAYS_INLINE float preRelu(float a, float x, float b) { return a * x + b; }

FTM_ALWAYS_INLINE void affineReluBody(const float* __restrict x, size_t len, float a, float b, float* __restrict y) {
  for (size_t i = 0; i < len; ++i) y[i] = std::max(preRelu(a, x[i], b), 0.0f);
}

// dy where the ReLU passed its input (NaN in, NaN out of max, and reluBackward gives 0: so here).
FTM_ALWAYS_INLINE float reluPassed(float a, float x, float b, float dy) { return preRelu(a, x, b) > 0.0f ? dy : 0.0f; }

FTM_ALWAYS_INLINE void gradInputReluBody(const float* __restrict x, const float* __restrict dy, size_t len, float mean,
                                         float a, float b, float k, float p, float q, float* __restrict dx) {
  for (size_t i = 0; i < len; ++i) dx[i] = k * reluPassed(a, x[i], b, dy[i]) + p * (x[i] - mean) + q;
}

FTM_ALWAYS_INLINE void gradInputBody(const float* __restrict x, const float* __restrict dy, size_t len, float mean,
                                     float k, float p, float q, float* __restrict dx) {
  for (size_t i = 0; i < len; ++i) dx[i] = k * dy[i] + p * (x[i] - mean) + q;
}

// The element-wise maps may run in place (dx over dy), so __restrict is only claimed when
// the buffers differ.
void affineScalar(const float* x, size_t len, float a, float b, float* y) {
  if (x == y) {
    for (size_t i = 0; i < len; ++i) y[i] = a * y[i] + b;
  } else {
    affineBody(x, len, a, b, y);
  }
}

void gradInputScalar(const float* x, const float* dy, size_t len, float mean, float k, float p, float q, float* dx) {
  gradInputBody(x, dy, len, mean, k, p, q, dx);
}

// Never in place (the fused BN-ReLU keeps x for its backward pass).
void affineReluScalar(const float* x, size_t len, float a, float b, float* y) { affineReluBody(x, len, a, b, y); }

void gradSumsReluScalar(const float* x, const float* dy, size_t len, float mean, float a, float b, double* out) {
  double s1 = 0, s2 = 0;
  for (size_t i = 0; i < len; ++i) {
    const float g = reluPassed(a, x[i], b, dy[i]);
    s1 += g;
    s2 += static_cast<double>(g) * (x[i] - mean);
  }
  out[0] = s1;
  out[1] = s2;
}

// Never in place either (dx is a new tensor; x and dy are kept).
void gradInputReluScalar(const float* x, const float* dy, size_t len, float mean, float a, float b, float k, float p,
                         float q, float* dx) {
  gradInputReluBody(x, dy, len, mean, a, b, k, p, q, dx);
}

const NormSegmentKernels kScalar = {momentsScalar,      affineScalar,       affineReluScalar, gradSumsScalar,
                                    gradInputScalar,    gradSumsReluScalar, gradInputReluScalar};

#ifdef FTM_X86

// ---- AVX2 ----
#define FTM_AVX2 __attribute__((target("avx2,fma")))

FTM_AVX2 inline double sum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

FTM_AVX2 void momentsAvx2(const float* x, size_t len, float shift, double* out) {
  const __m256 s = _mm256_set1_ps(shift);
  double s1 = 0, s2 = 0;
  for (size_t start = 0; start < len; start += kFlush) {
    const size_t end = std::min(len, start + kFlush);
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, b0 = a0, b1 = a0;
    size_t i = start;
    for (; i + 16 <= end; i += 16) {
      const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), s);
      const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), s);
      a0 = _mm256_add_ps(a0, d0);
      a1 = _mm256_add_ps(a1, d1);
      b0 = _mm256_fmadd_ps(d0, d0, b0);
      b1 = _mm256_fmadd_ps(d1, d1, b1);
    }
    double t1 = sum256(_mm256_add_ps(a0, a1)), t2 = sum256(_mm256_add_ps(b0, b1));
    for (; i < end; ++i) {
      const double d = static_cast<double>(x[i]) - shift;
      t1 += d;
      t2 += d * d;
    }
    s1 += t1;
    s2 += t2;
  }
  out[0] = s1;
  out[1] = s2;
}

FTM_AVX2 void affineAvx2(const float* x, size_t len, float a, float b, float* y) {
  if (x == y) {
    for (size_t i = 0; i < len; ++i) y[i] = a * y[i] + b;
  } else {
    affineBody(x, len, a, b, y);
  }
}

FTM_AVX2 void gradInputAvx2(const float* x, const float* dy, size_t len, float mean, float k, float p, float q,
                            float* dx) {
  gradInputBody(x, dy, len, mean, k, p, q, dx);
}

FTM_AVX2 void affineReluAvx2(const float* x, size_t len, float a, float b, float* y) { affineReluBody(x, len, a, b, y); }

// sum(dy) and sum(dy * (x - mean)); Relu: of dy' (lanes where fma(a, x, b) <= 0 or NaN add
// exact zeros, so the sums are those of reluBackward's output).
template <bool Relu>
FTM_AVX2 inline __m256 gradAvx2(const float* g, __m256 xv, __m256 va, __m256 vb) {
  if constexpr (Relu) {
    return _mm256_and_ps(_mm256_loadu_ps(g), _mm256_cmp_ps(_mm256_fmadd_ps(va, xv, vb), _mm256_setzero_ps(), _CMP_GT_OQ));
  } else {
    return _mm256_loadu_ps(g);
  }
}

template <bool Relu>
FTM_AVX2 inline void gradSumsAvx2T(const float* x, const float* dy, size_t len, float mean, float a, float b,
                                   double* out) {
  const __m256 m = _mm256_set1_ps(mean), va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b);
  double s1 = 0, s2 = 0;
  for (size_t start = 0; start < len; start += kFlush) {
    const size_t end = std::min(len, start + kFlush);
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, b0 = a0, b1 = a0;
    size_t i = start;
    for (; i + 16 <= end; i += 16) {
      const __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
      const __m256 g0 = gradAvx2<Relu>(dy + i, x0, va, vb), g1 = gradAvx2<Relu>(dy + i + 8, x1, va, vb);
      a0 = _mm256_add_ps(a0, g0);
      a1 = _mm256_add_ps(a1, g1);
      b0 = _mm256_fmadd_ps(g0, _mm256_sub_ps(x0, m), b0);
      b1 = _mm256_fmadd_ps(g1, _mm256_sub_ps(x1, m), b1);
    }
    double t1 = sum256(_mm256_add_ps(a0, a1)), t2 = sum256(_mm256_add_ps(b0, b1));
    for (; i < end; ++i) {
      const float g = Relu ? reluPassed(a, x[i], b, dy[i]) : dy[i];
      t1 += g;
      t2 += static_cast<double>(g) * (x[i] - mean);
    }
    s1 += t1;
    s2 += t2;
  }
  out[0] = s1;
  out[1] = s2;
}

FTM_AVX2 void gradSumsAvx2(const float* x, const float* dy, size_t len, float mean, double* out) {
  gradSumsAvx2T<false>(x, dy, len, mean, 0.0f, 0.0f, out);
}

FTM_AVX2 void gradSumsReluAvx2(const float* x, const float* dy, size_t len, float mean, float a, float b, double* out) {
  gradSumsAvx2T<true>(x, dy, len, mean, a, b, out);
}

FTM_AVX2 void gradInputReluAvx2(const float* x, const float* dy, size_t len, float mean, float a, float b, float k,
                                float p, float q, float* dx) {
  gradInputReluBody(x, dy, len, mean, a, b, k, p, q, dx);
}

const NormSegmentKernels kAvx2 = {momentsAvx2,   affineAvx2,       affineReluAvx2,   gradSumsAvx2,
                                  gradInputAvx2, gradSumsReluAvx2, gradInputReluAvx2};

// ---- AVX-512 ----
#define FTM_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl")))

// Horizontal sum through memory (once per kFlush values; avoids GCC 12's false
// -Wmaybe-uninitialized in _mm512_reduce_add_ps).
FTM_AVX512 inline double sum512(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  double s = 0;
  for (float f : lanes) s += f;
  return s;
}

FTM_AVX512 inline __mmask16 tailMask(size_t remaining) {
  return remaining >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << remaining) - 1);
}

FTM_AVX512 void momentsAvx512(const float* x, size_t len, float shift, double* out) {
  const __m512 s = _mm512_set1_ps(shift);
  double s1 = 0, s2 = 0;
  for (size_t start = 0; start < len; start += kFlush) {
    const size_t end = std::min(len, start + kFlush);
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, b0 = a0, b1 = a0;
    size_t i = start;
    for (; i + 32 <= end; i += 32) {
      const __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(x + i), s);
      const __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 16), s);
      a0 = _mm512_add_ps(a0, d0);
      a1 = _mm512_add_ps(a1, d1);
      b0 = _mm512_fmadd_ps(d0, d0, b0);
      b1 = _mm512_fmadd_ps(d1, d1, b1);
    }
    for (; i < end; i += 16) {
      const __mmask16 k = tailMask(end - i);
      const __m512 d = _mm512_maskz_sub_ps(k, _mm512_maskz_loadu_ps(k, x + i), s);
      a0 = _mm512_add_ps(a0, d);
      b0 = _mm512_fmadd_ps(d, d, b0);
    }
    s1 += sum512(_mm512_add_ps(a0, a1));
    s2 += sum512(_mm512_add_ps(b0, b1));
  }
  out[0] = s1;
  out[1] = s2;
}

FTM_AVX512 void affineAvx512(const float* x, size_t len, float a, float b, float* y) {
  if (x == y) {
    for (size_t i = 0; i < len; ++i) y[i] = a * y[i] + b;
  } else {
    affineBody(x, len, a, b, y);
  }
}

FTM_AVX512 void gradInputAvx512(const float* x, const float* dy, size_t len, float mean, float k, float p, float q,
                                float* dx) {
  gradInputBody(x, dy, len, mean, k, p, q, dx);
}

FTM_AVX512 void affineReluAvx512(const float* x, size_t len, float a, float b, float* y) {
  affineReluBody(x, len, a, b, y);
}

// sum(dy) and sum(dy * (x - mean)); Relu: of dy' (lanes where fma(a, x, b) <= 0 or NaN load
// as exact zeros, so the sums are those of reluBackward's output).
// dy at lanes `valid` (and, with Relu, where the ReLU passed), zeros elsewhere.
// A whole vector loads plainly and is then masked (load_then_mask.h); only a tail loads with
// the mask.
template <bool Relu>
FTM_AVX512 inline __m512 gradAvx512(const float* g, __m512 xv, __mmask16 valid, __m512 va, __m512 vb) {
  if constexpr (Relu) {
    const __mmask16 passed =
        _mm512_mask_cmp_ps_mask(valid, _mm512_fmadd_ps(va, xv, vb), _mm512_setzero_ps(), _CMP_GT_OQ);
    return valid == 0xFFFF ? loadThenMask(g, passed) : _mm512_maskz_loadu_ps(passed, g);
  } else {
    return valid == 0xFFFF ? _mm512_loadu_ps(g) : _mm512_maskz_loadu_ps(valid, g);
  }
}

template <bool Relu>
FTM_AVX512 inline void gradSumsAvx512T(const float* x, const float* dy, size_t len, float mean, float a, float b,
                                       double* out) {
  const __m512 m = _mm512_set1_ps(mean), va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b);
  double s1 = 0, s2 = 0;
  for (size_t start = 0; start < len; start += kFlush) {
    const size_t end = std::min(len, start + kFlush);
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, b0 = a0, b1 = a0;
    size_t i = start;
    for (; i + 32 <= end; i += 32) {
      const __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
      const __m512 g0 = gradAvx512<Relu>(dy + i, x0, 0xFFFF, va, vb);
      const __m512 g1 = gradAvx512<Relu>(dy + i + 16, x1, 0xFFFF, va, vb);
      a0 = _mm512_add_ps(a0, g0);
      a1 = _mm512_add_ps(a1, g1);
      b0 = _mm512_fmadd_ps(g0, _mm512_sub_ps(x0, m), b0);
      b1 = _mm512_fmadd_ps(g1, _mm512_sub_ps(x1, m), b1);
    }
    for (; i < end; i += 16) {
      const __mmask16 k = tailMask(end - i);
      const __m512 xv = _mm512_maskz_loadu_ps(k, x + i);
      const __m512 g = gradAvx512<Relu>(dy + i, xv, k, va, vb);
      a0 = _mm512_add_ps(a0, g);
      b0 = _mm512_fmadd_ps(g, _mm512_maskz_sub_ps(k, xv, m), b0);
    }
    s1 += sum512(_mm512_add_ps(a0, a1));
    s2 += sum512(_mm512_add_ps(b0, b1));
  }
  out[0] = s1;
  out[1] = s2;
}

FTM_AVX512 void gradSumsAvx512(const float* x, const float* dy, size_t len, float mean, double* out) {
  gradSumsAvx512T<false>(x, dy, len, mean, 0.0f, 0.0f, out);
}

FTM_AVX512 void gradSumsReluAvx512(const float* x, const float* dy, size_t len, float mean, float a, float b,
                                   double* out) {
  gradSumsAvx512T<true>(x, dy, len, mean, a, b, out);
}

FTM_AVX512 inline __m512 gradInputValue(__m512 xv, __m512 g, __m512 vm, __m512 vk, __m512 vp, __m512 vq) {
  return _mm512_add_ps(_mm512_fmadd_ps(g, vk, _mm512_mul_ps(_mm512_sub_ps(xv, vm), vp)), vq);
}

// gradInputReluBody with the operations GCC chose for it (fma(a, x, b) > 0; (x - mean) * p;
// fma(dy', k, .); + q), so the results are the same bits, but dy loaded plainly on whole vectors
// (GCC made the select a masked load of dy).
FTM_AVX512 void gradInputReluAvx512(const float* x, const float* dy, size_t len, float mean, float a, float b, float k,
                                    float p, float q, float* dx) {
  const __m512 va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b), vm = _mm512_set1_ps(mean);
  const __m512 vk = _mm512_set1_ps(k), vp = _mm512_set1_ps(p), vq = _mm512_set1_ps(q), zero = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= len; i += 16) {
    const __m512 xv = _mm512_loadu_ps(x + i);
    const __mmask16 passed = _mm512_cmp_ps_mask(_mm512_fmadd_ps(va, xv, vb), zero, _CMP_GT_OQ);
    _mm512_storeu_ps(dx + i, gradInputValue(xv, loadThenMask(dy + i, passed), vm, vk, vp, vq));
  }
  if (i < len) {
    const __mmask16 valid = tailMask(len - i);
    const __m512 xv = _mm512_maskz_loadu_ps(valid, x + i);
    const __mmask16 passed = _mm512_mask_cmp_ps_mask(valid, _mm512_fmadd_ps(va, xv, vb), zero, _CMP_GT_OQ);
    _mm512_mask_storeu_ps(dx + i, valid, gradInputValue(xv, _mm512_maskz_loadu_ps(passed, dy + i), vm, vk, vp, vq));
  }
}

const NormSegmentKernels kAvx512 = {momentsAvx512,   affineAvx512,       affineReluAvx512,   gradSumsAvx512,
                                    gradInputAvx512, gradSumsReluAvx512, gradInputReluAvx512};

#endif  // FTM_X86

}  // namespace

const NormSegmentKernels& normSegmentKernels() {
#ifdef FTM_X86
  switch (simdLevel()) {
    case SimdLevel::Avx512: return kAvx512;
    case SimdLevel::Avx2: return kAvx2;
    default: break;
  }
#endif
  return kScalar;
}

}  // namespace ftm
