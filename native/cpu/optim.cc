// Optimizer kernels: fused in-place SGD and AdamW updates, and the gradient-norm helpers.
// One loop body per kernel, compiled for AVX-512, AVX2 and plain x86-64 and chosen at run time.
#include "optim.h"

#include <cmath>
#include <vector>

#include "cpu_features.h"
#include "thread_pool.h"

namespace ftm {

namespace {

constexpr size_t kParallelMin = 1 << 16;  // below this one thread is faster than waking the pool
constexpr size_t kBlock = 1 << 14;        // reduction block (fixed: results independent of threads)

#define FTM_INLINE inline __attribute__((always_inline))

FTM_INLINE void sgdBody(float* __restrict p, const float* __restrict g, float* __restrict buf,
                        size_t begin, size_t end, const SgdOptions& o) {
  const float lr = o.lr, wd = o.weightDecay, mu = o.momentum, damp = 1.0f - o.dampening;
  if (mu == 0.0f) {
    for (size_t i = begin; i < end; ++i) p[i] -= lr * (g[i] + wd * p[i]);
    return;
  }
  if (o.firstStep) {
    for (size_t i = begin; i < end; ++i) {
      const float d = g[i] + wd * p[i];
      buf[i] = d;
      p[i] -= lr * (o.nesterov ? d + mu * d : d);
    }
    return;
  }
  if (o.nesterov) {
    for (size_t i = begin; i < end; ++i) {
      const float d = g[i] + wd * p[i];
      const float b = mu * buf[i] + damp * d;
      buf[i] = b;
      p[i] -= lr * (d + mu * b);
    }
  } else {
    for (size_t i = begin; i < end; ++i) {
      const float d = g[i] + wd * p[i];
      const float b = mu * buf[i] + damp * d;
      buf[i] = b;
      p[i] -= lr * b;
    }
  }
}

FTM_INLINE void adamwBody(float* __restrict p, const float* __restrict g, float* __restrict m,
                          float* __restrict v, size_t begin, size_t end, const AdamWOptions& o) {
  const float b1 = o.beta1, b2 = o.beta2;
  const float c1 = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(o.beta1), o.step)));
  const float c2 = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(o.beta2), o.step)));
  const float decay = 1.0f - o.lr * o.weightDecay;
  const float lr = o.lr, eps = o.eps;
  for (size_t i = begin; i < end; ++i) {
    const float gi = g[i];
    const float mi = b1 * m[i] + (1.0f - b1) * gi;
    const float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - lr * (mi * c1) / (std::sqrt(vi * c2) + eps);
  }
}

FTM_INLINE double sumSquaresBody(const float* __restrict x, size_t begin, size_t end) {
  // Eight float lanes accumulated in double keep the loop vectorisable and the sum accurate.
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = begin;
  for (; i + 8 <= end; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += static_cast<double>(x[i + k]) * x[i + k];
  for (; i < end; ++i) acc[0] += static_cast<double>(x[i]) * x[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

FTM_INLINE void scaleBody(float* __restrict x, size_t begin, size_t end, float s) {
  for (size_t i = begin; i < end; ++i) x[i] *= s;
}

#define FTM_VARIANTS(NAME, BODY, RET, PARAMS, ARGS)                                        \
  __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))) RET NAME##Avx512 PARAMS { \
    return BODY ARGS;                                                                      \
  }                                                                                        \
  __attribute__((target("avx2,fma"))) RET NAME##Avx2 PARAMS { return BODY ARGS; }          \
  RET NAME##Scalar PARAMS { return BODY ARGS; }                                            \
  RET NAME PARAMS {                                                                        \
    switch (simdLevel()) {                                                                 \
      case SimdLevel::Avx512: return NAME##Avx512 ARGS;                                    \
      case SimdLevel::Avx2: return NAME##Avx2 ARGS;                                        \
      default: return NAME##Scalar ARGS;                                                   \
    }                                                                                      \
  }

FTM_VARIANTS(sgdRange, sgdBody, void,
             (float* p, const float* g, float* buf, size_t b, size_t e, const SgdOptions& o),
             (p, g, buf, b, e, o))
FTM_VARIANTS(adamwRange, adamwBody, void,
             (float* p, const float* g, float* m, float* v, size_t b, size_t e, const AdamWOptions& o),
             (p, g, m, v, b, e, o))
FTM_VARIANTS(sumSquaresRange, sumSquaresBody, double, (const float* x, size_t b, size_t e), (x, b, e))
FTM_VARIANTS(scaleRange, scaleBody, void, (float* x, size_t b, size_t e, float s), (x, b, e, s))

template <typename F>
void forRange(size_t n, const F& f) {
  if (n < kParallelMin) {
    f(0, n);
    return;
  }
  parallelFor(n, [&](size_t b, size_t e, int) { f(b, e); });
}

}  // namespace

void sgdStep(float* p, const float* g, float* momentumBuf, size_t n, const SgdOptions& o) {
  forRange(n, [&](size_t b, size_t e) { sgdRange(p, g, momentumBuf, b, e, o); });
}

void adamwStep(float* p, const float* g, float* m, float* v, size_t n, const AdamWOptions& o) {
  forRange(n, [&](size_t b, size_t e) { adamwRange(p, g, m, v, b, e, o); });
}

double sumSquares(const float* x, size_t n) {
  const size_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(blocks, 0.0);
  auto run = [&](size_t b, size_t e, int) {
    for (size_t k = b; k < e; ++k) partial[k] = sumSquaresRange(x, k * kBlock, std::min(n, (k + 1) * kBlock));
  };
  if (n < kParallelMin) run(0, blocks, 0);
  else parallelForDynamic(blocks, 1, run);
  double total = 0.0;
  for (double s : partial) total += s;
  return total;
}

void scaleInPlace(float* x, size_t n, float s) {
  forRange(n, [&](size_t b, size_t e) { scaleRange(x, b, e, s); });
}

}  // namespace ftm
