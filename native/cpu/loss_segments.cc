// Sigmoid-loss segment loops written once on GCC vector types (W lanes) and compiled for
// AVX-512 (16 lanes), AVX2 (8) and the baseline (4); a segment's tail runs on zero-padded
// lanes of which only the real ones are summed and stored.
#include "loss_segments.h"

#include <cmath>
#include <cstring>

#include "cpu_features.h"
#include "vector_math.h"

namespace ftm {
namespace {

constexpr float kLo = 1e-4f, kHi = 1.0f - 1e-4f;  // the focal loss clamps p to [kLo, kHi]

template <class F>
FTM_VINLINE F absOf(F x) {
  return x < 0.0f ? -x : x;
}

template <class F>
FTM_VINLINE F maxZero(F x) {
  return x > 0.0f ? x : F{};
}

template <class F>
FTM_VINLINE double laneSum(F v, size_t lanes) {
  float a[sizeof(F) / sizeof(float)];
  std::memcpy(a, &v, sizeof(F));
  double s = 0;
  for (size_t k = 0; k < lanes; ++k) s += a[k];
  return s;
}

// Loss and derivative of binary cross entropy with logits on W lanes.
template <class F, class I>
FTM_VINLINE void bceLanes(F x, F t, float pw, F& loss, F& grad) {
  const F e = vexp<F, I>(-absOf(x));
  const F softplusNeg = vlog1p<F, I>(e) + maxZero(-x);  // log(1 + exp(-x))
  const F l = (pw - 1.0f) * t + 1.0f;
  loss = (1.0f - t) * x + l * softplusNeg;
  const F r = 1.0f / (e + 1.0f);
  const F sig = x >= 0.0f ? r : e * r;
  grad = (1.0f - t) + l * (sig - 1.0f);
}

// CenterNet focal loss (alpha 2, beta 4) on W lanes; pos gets 1 on lanes with t == 1.
// The clamp is blended arithmetically from 0/1 lanes: GCC 12 scalarises AVX-512 selects that
// share one comparison, and a comparison used once stays in a mask register.
template <class F, class I>
FTM_VINLINE void focalLanes(F x, F t, float logLo, float logHi, F& loss, F& grad, F& pos) {
  const F zero{}, one = zero + 1.0f;
  // Beyond |x| = 100 the clamp decides everything; bounding x keeps 0 * inf out of the blends.
  x = x > 100.0f ? zero + 100.0f : x;
  x = x < -100.0f ? zero - 100.0f : x;
  const F e = vexp<F, I>(-absOf(x));
  const F r = 1.0f / (e + 1.0f);
  const F sig = x >= 0.0f ? r : e * r;
  const F sigNeg = x >= 0.0f ? e * r : r;  // 1 - sigmoid(x) without cancellation
  const F l1p = vlog1p<F, I>(e);
  const F low = sig < kLo ? one : zero, high = sig > kHi ? one : zero;
  const F inside = 1.0f - low - high;
  const F p = inside * sig + low * kLo + high * kHi;
  const F q = inside * sigNeg + low * kHi + high * kLo;
  const F logP = inside * -(l1p + maxZero(-x)) + low * logLo + high * logHi;
  const F logQ = inside * -(l1p + maxZero(x)) + low * logHi + high * logLo;
  pos = t == 1.0f ? one : zero;
  const F qa = q * q, pa = p * p;
  const F u = 1.0f - t;
  const F w = (u * u) * (u * u);
  const F posLoss = -qa * logP, posGrad = 2.0f * p * qa * logP - qa * q;
  const F negLoss = -w * pa * logQ, negGrad = w * pa * (p - 2.0f * q * logQ);
  loss = pos * posLoss + (1.0f - pos) * negLoss;
  grad = inside * (pos * posGrad + (1.0f - pos) * negGrad);
}

template <int W>
FTM_VINLINE double bceSegmentBody(const float* x, const float* t, size_t len, float pw, float gradScale, float* dx) {
  using F = typename VecOf<W>::F;
  using I = typename VecOf<W>::I;
  F acc{};
  size_t i = 0;
  F xv, tv, loss, grad;
  for (; i + W <= len; i += W) {
    std::memcpy(&xv, x + i, sizeof(F));
    std::memcpy(&tv, t + i, sizeof(F));
    bceLanes<F, I>(xv, tv, pw, loss, grad);
    acc += loss;
    if (dx) {
      grad *= gradScale;
      std::memcpy(dx + i, &grad, sizeof(F));
    }
  }
  double sum = laneSum(acc, W);
  if (i < len) {
    const size_t rest = len - i;
    xv = F{};
    tv = F{};
    std::memcpy(&xv, x + i, rest * sizeof(float));
    std::memcpy(&tv, t + i, rest * sizeof(float));
    bceLanes<F, I>(xv, tv, pw, loss, grad);
    sum += laneSum(loss, rest);
    if (dx) {
      grad *= gradScale;
      std::memcpy(dx + i, &grad, rest * sizeof(float));
    }
  }
  return sum;
}

template <int W>
FTM_VINLINE double focalSegmentBody(const float* x, const float* t, size_t len, size_t* positives, float* dx) {
  using F = typename VecOf<W>::F;
  using I = typename VecOf<W>::I;
  const float logLo = std::log(kLo), logHi = std::log(kHi);
  F acc{}, count{};
  size_t i = 0;
  F xv, tv, loss, grad, pos;
  for (; i + W <= len; i += W) {
    std::memcpy(&xv, x + i, sizeof(F));
    std::memcpy(&tv, t + i, sizeof(F));
    focalLanes<F, I>(xv, tv, logLo, logHi, loss, grad, pos);
    acc += loss;
    count += pos;  // exact: a lane counts at most 2^24 positives per call (kBlock values)
    if (dx) std::memcpy(dx + i, &grad, sizeof(F));
  }
  double sum = laneSum(acc, W);
  size_t n = static_cast<size_t>(laneSum(count, W));
  if (i < len) {
    const size_t rest = len - i;
    xv = F{};
    tv = F{};
    std::memcpy(&xv, x + i, rest * sizeof(float));
    std::memcpy(&tv, t + i, rest * sizeof(float));
    focalLanes<F, I>(xv, tv, logLo, logHi, loss, grad, pos);
    sum += laneSum(loss, rest);
    n += static_cast<size_t>(laneSum(pos, rest));
    if (dx) std::memcpy(dx + i, &grad, rest * sizeof(float));
  }
  *positives = n;
  return sum;
}

template <int W>
FTM_VINLINE void sigmoidSumsBody(const float* x, const float* t, size_t len, double* out, float* probs) {
  using F = typename VecOf<W>::F;
  using I = typename VecOf<W>::I;
  F pt{}, ps{}, ts{}, xv, tv;
  size_t i = 0;
  for (; i + W <= len; i += W) {
    std::memcpy(&xv, x + i, sizeof(F));
    std::memcpy(&tv, t + i, sizeof(F));
    const F e = vexp<F, I>(-absOf(xv));
    const F r = 1.0f / (e + 1.0f);
    const F p = xv >= 0.0f ? r : e * r;
    pt += p * tv;
    ps += p;
    ts += tv;
    if (probs) std::memcpy(probs + i, &p, sizeof(F));
  }
  double a = laneSum(pt, W), b = laneSum(ps, W), c = laneSum(ts, W);
  for (; i < len; ++i) {
    const double p = 1.0 / (1.0 + std::exp(-static_cast<double>(x[i])));
    a += p * t[i];
    b += p;
    c += t[i];
    if (probs) probs[i] = static_cast<float>(p);
  }
  out[0] = a;
  out[1] = b;
  out[2] = c;
}

#define FTM_LOSS_SEGMENTS(SUFFIX, TARGET, W)                                                           \
  TARGET double bce##SUFFIX(const float* x, const float* t, size_t len, float pw, float gradScale,     \
                            float* dx) {                                                              \
    return bceSegmentBody<W>(x, t, len, pw, gradScale, dx);                                           \
  }                                                                                                   \
  TARGET double focal##SUFFIX(const float* x, const float* t, size_t len, size_t* positives, float* dx) { \
    return focalSegmentBody<W>(x, t, len, positives, dx);                                             \
  }                                                                                                   \
  TARGET void sigmoidSums##SUFFIX(const float* x, const float* t, size_t len, double* out, float* probs) {  \
    sigmoidSumsBody<W>(x, t, len, out, probs);                                                        \
  }                                                                                                   \
  const LossSegmentKernels k##SUFFIX = {bce##SUFFIX, focal##SUFFIX, sigmoidSums##SUFFIX};

FTM_LOSS_SEGMENTS(Baseline, , 4)
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FTM_HAS_X86_TARGETS 1
FTM_LOSS_SEGMENTS(Avx2, __attribute__((target("avx2,fma"))), 8)
FTM_LOSS_SEGMENTS(Avx512, __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))), 16)
#endif

}  // namespace

const LossSegmentKernels& lossSegmentKernels() {
#ifdef FTM_HAS_X86_TARGETS
  switch (simdLevel()) {
    case SimdLevel::Avx512: return kAvx512;
    case SimdLevel::Avx2: return kAvx2;
    default: break;
  }
#endif
  return kBaseline;
}

}  // namespace ftm
