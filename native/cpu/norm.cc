// Batch normalisation kernels: two passes over memory (statistics, then the affine map),
// parallel over (row, segment) tasks with deterministic per-task partial sums in double.
#include "norm.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "cpu_features.h"
#include "thread_pool.h"

namespace ftm {
namespace {

#define FTM_ALWAYS_INLINE inline __attribute__((always_inline))

constexpr size_t kLanes = 16;     // independent float accumulators (one AVX-512 register)
constexpr size_t kFlush = 4096;   // float partial sums are flushed to double this often

// Sum of (x - shift) and of (x - shift)^2 over one segment: out[0], out[1].
FTM_ALWAYS_INLINE void momentsBody(const float* x, size_t len, float shift, double* out) {
  double s1 = 0, s2 = 0;
  for (size_t start = 0; start < len; start += kFlush) {
    const size_t end = std::min(len, start + kFlush);
    float a[kLanes] = {}, b[kLanes] = {};
    size_t i = start;
    for (; i + kLanes <= end; i += kLanes) {
      for (size_t k = 0; k < kLanes; ++k) {
        const float d = x[i + k] - shift;
        a[k] += d;
        b[k] += d * d;
      }
    }
    double t1 = 0, t2 = 0;
    for (; i < end; ++i) {
      const float d = x[i] - shift;
      t1 += d;
      t2 += static_cast<double>(d) * d;
    }
    for (size_t k = 0; k < kLanes; ++k) {
      t1 += a[k];
      t2 += b[k];
    }
    s1 += t1;
    s2 += t2;
  }
  out[0] = s1;
  out[1] = s2;
}

// y = a*x + b over one segment.
FTM_ALWAYS_INLINE void affineBody(const float* x, size_t len, float a, float b, float* y) {
  for (size_t i = 0; i < len; ++i) y[i] = a * x[i] + b;
}

// Sum of dy and of dy*(x - mean) over one segment: out[0], out[1].
FTM_ALWAYS_INLINE void gradSumsBody(const float* x, const float* dy, size_t len, float mean, double* out) {
  double s1 = 0, s2 = 0;
  for (size_t start = 0; start < len; start += kFlush) {
    const size_t end = std::min(len, start + kFlush);
    float a[kLanes] = {}, b[kLanes] = {};
    size_t i = start;
    for (; i + kLanes <= end; i += kLanes) {
      for (size_t k = 0; k < kLanes; ++k) {
        const float g = dy[i + k];
        a[k] += g;
        b[k] += g * (x[i + k] - mean);
      }
    }
    double t1 = 0, t2 = 0;
    for (; i < end; ++i) {
      t1 += dy[i];
      t2 += static_cast<double>(dy[i]) * (x[i] - mean);
    }
    for (size_t k = 0; k < kLanes; ++k) {
      t1 += a[k];
      t2 += b[k];
    }
    s1 += t1;
    s2 += t2;
  }
  out[0] = s1;
  out[1] = s2;
}

// dx = k*dy + p*(x - mean) + q over one segment (the training-mode input gradient).
FTM_ALWAYS_INLINE void gradInputBody(const float* x, const float* dy, size_t len, float mean, float k, float p,
                                     float q, float* dx) {
  for (size_t i = 0; i < len; ++i) dx[i] = k * dy[i] + p * (x[i] - mean) + q;
}

struct SegmentKernels {
  void (*moments)(const float*, size_t, float, double*);
  void (*affine)(const float*, size_t, float, float, float*);
  void (*gradSums)(const float*, const float*, size_t, float, double*);
  void (*gradInput)(const float*, const float*, size_t, float, float, float, float, float*);
};

#define FTM_SEGMENT_KERNELS(SUFFIX, TARGET)                                                              \
  TARGET void moments##SUFFIX(const float* x, size_t len, float shift, double* out) {                 \
    momentsBody(x, len, shift, out);                                                                  \
  }                                                                                                   \
  TARGET void affine##SUFFIX(const float* x, size_t len, float a, float b, float* y) {                \
    affineBody(x, len, a, b, y);                                                                      \
  }                                                                                                   \
  TARGET void gradSums##SUFFIX(const float* x, const float* dy, size_t len, float mean, double* out) { \
    gradSumsBody(x, dy, len, mean, out);                                                              \
  }                                                                                                   \
  TARGET void gradInput##SUFFIX(const float* x, const float* dy, size_t len, float mean, float k,     \
                                float p, float q, float* dx) {                                        \
    gradInputBody(x, dy, len, mean, k, p, q, dx);                                                     \
  }                                                                                                   \
  const SegmentKernels kKernels##SUFFIX = {moments##SUFFIX, affine##SUFFIX, gradSums##SUFFIX,          \
                                           gradInput##SUFFIX};

FTM_SEGMENT_KERNELS(Scalar, )
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
FTM_SEGMENT_KERNELS(Avx2, __attribute__((target("avx2,fma"))))
FTM_SEGMENT_KERNELS(Avx512, __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))))
#endif

const SegmentKernels& segmentKernels() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  switch (simdLevel()) {
    case SimdLevel::Avx512: return kKernelsAvx512;
    case SimdLevel::Avx2: return kKernelsAvx2;
    default: break;
  }
#endif
  return kKernelsScalar;
}

// The work is split into rows (n, c) of HW values, each cut into `parts` segments, so that a
// batch of one image with few channels still keeps every thread busy. The split depends only
// on the shape (not the thread count), so sums are reproducible.
struct Split {
  size_t rows, len, parts;
  size_t tasks() const { return rows * parts; }
  size_t row(size_t t) const { return t / parts; }
  size_t begin(size_t t) const { return len * (t % parts) / parts; }
  size_t end(size_t t) const { return len * (t % parts + 1) / parts; }
};

Split makeSplit(BatchNormShape s) {
  Split sp{static_cast<size_t>(s.n * s.c), static_cast<size_t>(s.hw), 1};
  const size_t wanted = (64 + sp.rows - 1) / sp.rows;
  sp.parts = std::max<size_t>(1, std::min(wanted, sp.len / kFlush));
  return sp;
}

// Per-channel sums of the two partials of every task of channel c.
void channelSums(const std::vector<double>& partial, const Split& sp, const BatchNormShape& s, int64_t c,
                 double* out) {
  double a = 0, b = 0;
  for (int64_t n = 0; n < s.n; ++n) {
    const size_t row = static_cast<size_t>(n * s.c + c);
    for (size_t p = 0; p < sp.parts; ++p) {
      a += partial[2 * (row * sp.parts + p)];
      b += partial[2 * (row * sp.parts + p) + 1];
    }
  }
  out[0] = a;
  out[1] = b;
}

}  // namespace

void batchNormForward(const float* x, BatchNormShape s, const float* weight, const float* bias,
                      float* runningMean, float* runningVar, bool training, double momentum,
                      double eps, float* y, float* saveMean, float* saveInvStd) {
  const SegmentKernels& k = segmentKernels();
  const Split sp = makeSplit(s);
  const size_t C = static_cast<size_t>(s.c);
  if (training) {
    // Shifting by one value of the channel keeps the one-pass variance accurate.
    std::vector<float> shift(C);
    for (size_t c = 0; c < C; ++c) shift[c] = x[c * sp.len];
    std::vector<double> partial(2 * sp.tasks());
    parallelFor(sp.tasks(), [&](size_t t0, size_t t1, int) {
      for (size_t t = t0; t < t1; ++t) {
        const size_t row = sp.row(t);
        const size_t b = sp.begin(t);
        k.moments(x + row * sp.len + b, sp.end(t) - b, shift[row % C], &partial[2 * t]);
      }
    });
    const double m = static_cast<double>(s.n) * static_cast<double>(s.hw);
    for (size_t c = 0; c < C; ++c) {
      double sums[2];
      channelSums(partial, sp, s, static_cast<int64_t>(c), sums);
      const double d = sums[0] / m;
      const double mean = shift[c] + d;
      const double var = std::max(0.0, sums[1] / m - d * d);
      saveMean[c] = static_cast<float>(mean);
      saveInvStd[c] = static_cast<float>(1.0 / std::sqrt(var + eps));
      if (runningMean != nullptr && runningVar != nullptr) {
        const double unbiased = m > 1 ? var * m / (m - 1) : var;
        runningMean[c] = static_cast<float>((1 - momentum) * runningMean[c] + momentum * mean);
        runningVar[c] = static_cast<float>((1 - momentum) * runningVar[c] + momentum * unbiased);
      }
    }
  } else {
    for (size_t c = 0; c < C; ++c) {
      saveMean[c] = runningMean[c];
      saveInvStd[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(runningVar[c]) + eps));
    }
  }
  std::vector<float> scale(C), offset(C);
  for (size_t c = 0; c < C; ++c) {
    const double a = (weight ? weight[c] : 1.0) * saveInvStd[c];
    scale[c] = static_cast<float>(a);
    offset[c] = static_cast<float>((bias ? bias[c] : 0.0) - saveMean[c] * a);
  }
  parallelFor(sp.tasks(), [&](size_t t0, size_t t1, int) {
    for (size_t t = t0; t < t1; ++t) {
      const size_t row = sp.row(t);
      const size_t b = sp.begin(t);
      const size_t at = row * sp.len + b;
      k.affine(x + at, sp.end(t) - b, scale[row % C], offset[row % C], y + at);
    }
  });
}

void batchNormBackward(const float* x, const float* dy, BatchNormShape s, const float* weight,
                       const float* saveMean, const float* saveInvStd, bool training, float* dx,
                       float* dweight, float* dbias) {
  const SegmentKernels& k = segmentKernels();
  const Split sp = makeSplit(s);
  const size_t C = static_cast<size_t>(s.c);
  const bool needSums = training ? (dx || dweight || dbias) : (dweight || dbias);
  std::vector<double> channel(2 * C, 0.0);
  if (needSums) {
    std::vector<double> partial(2 * sp.tasks());
    parallelFor(sp.tasks(), [&](size_t t0, size_t t1, int) {
      for (size_t t = t0; t < t1; ++t) {
        const size_t row = sp.row(t);
        const size_t b = sp.begin(t);
        const size_t at = row * sp.len + b;
        k.gradSums(x + at, dy + at, sp.end(t) - b, saveMean[row % C], &partial[2 * t]);
      }
    });
    for (size_t c = 0; c < C; ++c) channelSums(partial, sp, s, static_cast<int64_t>(c), &channel[2 * c]);
  }
  for (size_t c = 0; c < C; ++c) {
    if (dbias) dbias[c] = static_cast<float>(channel[2 * c]);
    if (dweight) dweight[c] = static_cast<float>(channel[2 * c + 1] * saveInvStd[c]);
  }
  if (!dx) return;
  const double m = static_cast<double>(s.n) * static_cast<double>(s.hw);
  std::vector<float> kk(C), pp(C), qq(C);
  for (size_t c = 0; c < C; ++c) {
    const double invstd = saveInvStd[c];
    const double gain = (weight ? weight[c] : 1.0) * invstd;
    kk[c] = static_cast<float>(gain);
    if (training) {
      const double meanDy = channel[2 * c] / m;
      const double meanDyXhat = channel[2 * c + 1] * invstd / m;
      pp[c] = static_cast<float>(-gain * invstd * meanDyXhat);
      qq[c] = static_cast<float>(-gain * meanDy);
    }
  }
  parallelFor(sp.tasks(), [&](size_t t0, size_t t1, int) {
    for (size_t t = t0; t < t1; ++t) {
      const size_t row = sp.row(t);
      const size_t b = sp.begin(t);
      const size_t at = row * sp.len + b;
      const size_t c = row % C;
      if (training) {
        k.gradInput(x + at, dy + at, sp.end(t) - b, saveMean[c], kk[c], pp[c], qq[c], dx + at);
      } else {
        k.affine(dy + at, sp.end(t) - b, kk[c], 0.0f, dx + at);
      }
    }
  });
}

}  // namespace ftm
