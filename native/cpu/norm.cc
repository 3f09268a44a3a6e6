// Batch normalisation kernels: two passes over memory (statistics, then the affine map),
// parallel over (row, segment) tasks with deterministic per-task partial sums in double.
#include "norm.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "norm_segments.h"
#include "thread_pool.h"

namespace ftm {
namespace {

constexpr size_t kMinSegment = 4096;  // a row is cut into segments of at least this many values

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
  sp.parts = std::max<size_t>(1, std::min(wanted, sp.len / kMinSegment));
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

// y = scale[c]*x + offset[c]: the affine map of the forward (and, with relu, the sign the
// backward recomputes: the same floats from the same saved statistics).
void affineOf(const BatchNormShape& s, const float* weight, const float* bias, const float* saveMean,
              const float* saveInvStd, float* scale, float* offset) {
  for (int64_t c = 0; c < s.c; ++c) {
    const double a = (weight ? weight[c] : 1.0) * saveInvStd[c];
    scale[c] = static_cast<float>(a);
    offset[c] = static_cast<float>((bias ? bias[c] : 0.0) - saveMean[c] * a);
  }
}

}  // namespace

void batchNormForward(const float* x, BatchNormShape s, const float* weight, const float* bias,
                      float* runningMean, float* runningVar, bool training, double momentum,
                      double eps, float* y, float* saveMean, float* saveInvStd, bool relu) {
  const NormSegmentKernels& k = normSegmentKernels();
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
  affineOf(s, weight, bias, saveMean, saveInvStd, scale.data(), offset.data());
  parallelFor(sp.tasks(), [&](size_t t0, size_t t1, int) {
    for (size_t t = t0; t < t1; ++t) {
      const size_t row = sp.row(t);
      const size_t b = sp.begin(t);
      const size_t at = row * sp.len + b;
      (relu ? k.affineRelu : k.affine)(x + at, sp.end(t) - b, scale[row % C], offset[row % C], y + at);
    }
  });
}

void batchNormBackward(const float* x, const float* dy, BatchNormShape s, const float* weight,
                       const float* saveMean, const float* saveInvStd, bool training, float* dx,
                       float* dweight, float* dbias, bool relu, const float* bias) {
  const NormSegmentKernels& k = normSegmentKernels();
  const Split sp = makeSplit(s);
  const size_t C = static_cast<size_t>(s.c);
  const bool needSums = training ? (dx || dweight || dbias) : (dweight || dbias);
  // With relu: the forward's affine map, whose sign decides where dy passes.
  std::vector<float> ra(relu ? C : 0), rb(relu ? C : 0);
  if (relu) affineOf(s, weight, bias, saveMean, saveInvStd, ra.data(), rb.data());
  std::vector<double> channel(2 * C, 0.0);
  if (needSums) {
    std::vector<double> partial(2 * sp.tasks());
    parallelFor(sp.tasks(), [&](size_t t0, size_t t1, int) {
      for (size_t t = t0; t < t1; ++t) {
        const size_t row = sp.row(t);
        const size_t b = sp.begin(t);
        const size_t at = row * sp.len + b;
        const size_t c = row % C;
        if (relu) k.gradSumsRelu(x + at, dy + at, sp.end(t) - b, saveMean[c], ra[c], rb[c], &partial[2 * t]);
        else k.gradSums(x + at, dy + at, sp.end(t) - b, saveMean[c], &partial[2 * t]);
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
      const size_t len = sp.end(t) - b;
      if (relu) {
        // Eval mode: p = q = 0 (dx = k*dy'), in the same kernel.
        k.gradInputRelu(x + at, dy + at, len, saveMean[c], ra[c], rb[c], kk[c], training ? pp[c] : 0.0f,
                        training ? qq[c] : 0.0f, dx + at);
      } else if (training) {
        k.gradInput(x + at, dy + at, len, saveMean[c], kk[c], pp[c], qq[c], dx + at);
      } else {
        k.affine(dy + at, len, kk[c], 0.0f, dx + at);
      }
    }
  });
}

}  // namespace ftm
