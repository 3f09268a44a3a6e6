// Loss kernels: forward value and gradient in one call, parallel over fixed-size blocks whose
// partial sums (double) are added in block order, so results do not depend on the thread count.
#include "loss.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "loss_segments.h"
#include "thread_pool.h"

namespace ftm {
namespace {

constexpr size_t kBlock = 8192;

size_t blockCount(size_t m) { return (m + kBlock - 1) / kBlock; }

// Calls f(block, begin, end) for every block of [0, m), blocks spread over the threads.
template <class F>
void forEachBlock(size_t m, F&& f) {
  parallelFor(blockCount(m), [&](size_t b0, size_t b1, int) {
    for (size_t b = b0; b < b1; ++b) f(b, b * kBlock, std::min(m, (b + 1) * kBlock));
  });
}

// d|d|/dd with 0 at 0 and NaN kept.
inline float signOf(float d) { return d > 0 ? 1.0f : (d < 0 ? -1.0f : (d == 0 ? 0.0f : d)); }

// Sum of the block sums / max(1, positives); the gradient is scaled the same way.
double finishFocal(const std::vector<double>& sum, const std::vector<size_t>& positives, size_t m, float* dx) {
  double total = 0;
  size_t pos = 0;
  for (size_t b = 0; b < sum.size(); ++b) {
    total += sum[b];
    pos += positives[b];
  }
  const double norm = static_cast<double>(std::max<size_t>(1, pos));
  if (dx) {
    const float inv = static_cast<float>(1.0 / norm);
    forEachBlock(m, [&](size_t, size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) dx[i] *= inv;
    });
  }
  return total / norm;
}

// The portable focal loss for any alpha and beta (alpha 2, beta 4 take the vectorised path).
double focalLossGeneral(const float* x, const float* t, size_t m, float alpha, float beta, float* dx) {
  constexpr float kLo = 1e-4f, kHi = 1.0f - 1e-4f;
  const size_t nb = blockCount(m);
  std::vector<double> sum(nb);
  std::vector<size_t> positives(nb);
  forEachBlock(m, [&](size_t b, size_t begin, size_t end) {
    double s = 0;
    size_t pos = 0;
    for (size_t i = begin; i < end; ++i) {
      // p = sigmoid(x) and q = 1 - p = sigmoid(-x), each computed without cancellation.
      const float e = std::exp(-std::fabs(x[i]));
      const float big = 1.0f / (1.0f + e), small = e / (1.0f + e);
      const float sig = x[i] >= 0 ? big : small;
      const bool clamped = !(sig >= kLo && sig <= kHi);
      const float p = std::min(std::max(sig, kLo), kHi);
      const float q = std::min(std::max(x[i] >= 0 ? small : big, kLo), kHi);
      float loss, grad;
      if (t[i] == 1.0f) {
        ++pos;
        const float qa = std::pow(q, alpha);
        const float lp = std::log(p);
        loss = -qa * lp;
        grad = alpha * p * qa * lp - qa * q;
      } else {
        const float u = 1.0f - t[i];
        const float w = std::pow(u, beta);
        const float pa = std::pow(p, alpha);
        const float lq = std::log(q);
        loss = -w * pa * lq;
        grad = w * pa * (p - alpha * q * lq);
      }
      s += loss;
      if (dx) dx[i] = clamped && grad == grad ? 0.0f : grad;
    }
    sum[b] = s;
    positives[b] = pos;
  });
  return finishFocal(sum, positives, m, dx);
}

}  // namespace

double softmaxCrossEntropy(const float* logits, int64_t n, int64_t k, const int32_t* targets,
                           const float* classWeight, double labelSmoothing, float* dlogits) {
  const size_t N = static_cast<size_t>(n), K = static_cast<size_t>(k);
  double weightSum = 0, allWeights = 0;
  for (size_t i = 0; i < N; ++i) weightSum += classWeight ? classWeight[targets[i]] : 1.0;
  for (size_t j = 0; j < K; ++j) allWeights += classWeight ? classWeight[j] : 1.0;
  const double s = labelSmoothing;
  const double spread = s / static_cast<double>(K);
  const size_t rowsPerBlock = std::max<size_t>(1, kBlock / K);
  const size_t nb = (N + rowsPerBlock - 1) / rowsPerBlock;
  std::vector<double> partial(nb);
  parallelFor(nb, [&](size_t b0, size_t b1, int) {
    for (size_t b = b0; b < b1; ++b) {
      double acc = 0;
      for (size_t i = b * rowsPerBlock; i < std::min(N, (b + 1) * rowsPerBlock); ++i) {
        const float* z = logits + i * K;
        const size_t y = static_cast<size_t>(targets[i]);
        float zmax = z[0];
        for (size_t j = 1; j < K; ++j) zmax = std::max(zmax, z[j]);
        double sumExp = 0;
        for (size_t j = 0; j < K; ++j) sumExp += std::exp(static_cast<double>(z[j]) - zmax);
        const double lse = zmax + std::log(sumExp);
        const double wy = classWeight ? classWeight[y] : 1.0;
        const double qsum = (1 - s) * wy + spread * allWeights;
        double qz = (1 - s) * wy * z[y];
        for (size_t j = 0; j < K; ++j) qz += spread * (classWeight ? classWeight[j] : 1.0) * z[j];
        acc += qsum * lse - qz;
        if (dlogits) {
          float* g = dlogits + i * K;
          for (size_t j = 0; j < K; ++j) {
            const double q = spread * (classWeight ? classWeight[j] : 1.0) + (j == y ? (1 - s) * wy : 0.0);
            g[j] = static_cast<float>((qsum * std::exp(z[j] - lse) - q) / weightSum);
          }
        }
      }
      partial[b] = acc;
    }
  });
  double total = 0;
  for (double p : partial) total += p;
  return total / weightSum;
}

double bceWithLogits(const float* logits, const float* targets, int64_t rows, int64_t inner,
                     const float* posWeight, int64_t channels, float* dlogits) {
  const size_t R = static_cast<size_t>(rows), I = static_cast<size_t>(inner);
  const size_t m = R * I;
  const float invM = static_cast<float>(1.0 / static_cast<double>(m));
  std::vector<double> partial(blockCount(m));
  const LossSegmentKernels& k = lossSegmentKernels();
  forEachBlock(m, [&](size_t b, size_t begin, size_t end) {
    double acc = 0;
    for (size_t i = begin; i < end;) {
      const size_t row = i / I;
      const size_t rowEnd = std::min(end, (row + 1) * I);
      const float pw = posWeight ? posWeight[row % static_cast<size_t>(channels)] : 1.0f;
      acc += k.bce(logits + i, targets + i, rowEnd - i, pw, invM, dlogits ? dlogits + i : nullptr);
      i = rowEnd;
    }
    partial[b] = acc;
  });
  double total = 0;
  for (double p : partial) total += p;
  return total / static_cast<double>(m);
}

double diceLoss(const float* logits, const float* targets, int64_t n, int64_t m, double eps, float* dlogits) {
  const size_t N = static_cast<size_t>(n), M = static_cast<size_t>(m);
  const size_t per = blockCount(M);
  std::vector<double> partial(3 * N * per);
  // Pass 1: per image sum(p*t), sum(p), sum(t); p is kept in dlogits for pass 2.
  const LossSegmentKernels& k = lossSegmentKernels();
  parallelFor(N * per, [&](size_t t0, size_t t1, int) {
    for (size_t task = t0; task < t1; ++task) {
      const size_t img = task / per, blk = task % per;
      const size_t begin = img * M + blk * kBlock, end = img * M + std::min(M, (blk + 1) * kBlock);
      k.sigmoidSums(logits + begin, targets + begin, end - begin, &partial[3 * task],
                    dlogits ? dlogits + begin : nullptr);
    }
  });
  std::vector<double> inter(N, 0), denom(N, 0);
  double total = 0;
  for (size_t img = 0; img < N; ++img) {
    for (size_t blk = 0; blk < per; ++blk) {
      const size_t task = img * per + blk;
      inter[img] += partial[3 * task];
      denom[img] += partial[3 * task + 1] + partial[3 * task + 2];
    }
    total += 1.0 - (2 * inter[img] + eps) / (denom[img] + eps);
  }
  if (dlogits) {
    // d(1 - D)/dx_j = -(2 t_j A - B) / A^2 * p(1-p), A = sum(p)+sum(t)+eps, B = 2 sum(p t)+eps.
    parallelFor(N * per, [&](size_t t0, size_t t1, int) {
      for (size_t task = t0; task < t1; ++task) {
        const size_t img = task / per, blk = task % per;
        const size_t begin = img * M + blk * kBlock, end = img * M + std::min(M, (blk + 1) * kBlock);
        const double a = denom[img] + eps, bnum = 2 * inter[img] + eps;
        const float c1 = static_cast<float>(-2.0 / (a * static_cast<double>(N)));
        const float c0 = static_cast<float>(bnum / (a * a * static_cast<double>(N)));
        for (size_t i = begin; i < end; ++i) {
          const float p = dlogits[i];
          dlogits[i] = (c1 * targets[i] + c0) * p * (1.0f - p);
        }
      }
    });
  }
  return total / static_cast<double>(N);
}

double focalLoss(const float* logits, const float* targets, size_t m, double alpha, double beta,
                 float* dlogits) {
  if (alpha != 2 || beta != 4)
    return focalLossGeneral(logits, targets, m, static_cast<float>(alpha), static_cast<float>(beta), dlogits);
  const LossSegmentKernels& k = lossSegmentKernels();
  const size_t nb = blockCount(m);
  std::vector<double> sum(nb);
  std::vector<size_t> positives(nb);
  forEachBlock(m, [&](size_t b, size_t begin, size_t end) {
    sum[b] = k.focalDefault(logits + begin, targets + begin, end - begin, &positives[b],
                            dlogits ? dlogits + begin : nullptr);
  });
  return finishFocal(sum, positives, m, dlogits);
}

double l1Loss(const float* pred, const float* target, const float* mask, int64_t n, int64_t c, int64_t hw,
              int64_t maskChannels, float* dpred) {
  const size_t C = static_cast<size_t>(c), HW = static_cast<size_t>(hw);
  const size_t m = static_cast<size_t>(n) * C * HW;
  double norm = static_cast<double>(m);
  if (mask) {
    const size_t mm = static_cast<size_t>(n) * static_cast<size_t>(maskChannels) * HW;
    std::vector<double> partial(blockCount(mm));
    forEachBlock(mm, [&](size_t b, size_t begin, size_t end) {
      double acc = 0;
      for (size_t i = begin; i < end; ++i) acc += mask[i];
      partial[b] = acc;
    });
    double maskSum = 0;
    for (double p : partial) maskSum += p;
    const double broadcast = maskChannels == 1 ? static_cast<double>(C) : 1.0;
    norm = std::max(1.0, maskSum * broadcast);
  }
  const float inv = static_cast<float>(1.0 / norm);
  std::vector<double> partial(blockCount(m));
  forEachBlock(m, [&](size_t b, size_t begin, size_t end) {
    double acc = 0;
    size_t i = begin;
    while (i < end) {
      const size_t row = i / HW;  // row = image * C + channel
      const size_t rowEnd = std::min(end, (row + 1) * HW);
      const float* mrow = mask ? mask + (maskChannels == 1 ? row / C : row) * HW : nullptr;
      const size_t rowStart = row * HW;
      for (; i < rowEnd; ++i) {
        const float d = pred[i] - target[i];
        const float w = mrow ? mrow[i - rowStart] : 1.0f;
        acc += std::fabs(d) * w;
        if (dpred) dpred[i] = signOf(d) * w * inv;
      }
    }
    partial[b] = acc;
  });
  double total = 0;
  for (double p : partial) total += p;
  return total / norm;
}

}  // namespace ftm
