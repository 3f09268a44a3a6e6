// Loss kernels on the GPU (twins of native/cpu/loss.cc): per-block partial sums in double,
// reduced by one block in a fixed order (deterministic); the loss stays on the device and
// gradients that need a global value (a count, a per-image sum) read it from device memory.
#include <algorithm>

#include "block_reduce.cuh"
#include "cuda_device.h"
#include "cuda_launch.h"
#include "cuda_loss.h"

namespace ftm {
namespace cuda {
namespace {

constexpr int64_t kChunk = 8192;  // elements per partial-sum block

unsigned chunksOf(int64_t m) { return static_cast<unsigned>(std::max<int64_t>(1, (m + kChunk - 1) / kChunk)); }

__device__ __forceinline__ float sigmoidOf(float x) {
  if (x >= 0) return 1.0f / (1.0f + expf(-x));
  const float e = expf(x);
  return e / (1.0f + e);
}

__device__ __forceinline__ float signOf(float d) { return d > 0 ? 1.0f : (d < 0 ? -1.0f : (d == 0 ? 0.0f : d)); }

// out[j] = sum over i < count of partial[i*stride + j], for j < width (one block, fixed order).
__global__ void sumPartialsKernel(const double* partial, int64_t count, int stride, int width, double* out) {
  for (int j = 0; j < width; ++j) {
    double acc = 0;
    for (int64_t i = threadIdx.x; i < count; i += blockDim.x) acc += partial[i * stride + j];
    acc = blockSum(acc);
    if (threadIdx.x == 0) out[j] = acc;
  }
}

// ---- softmax cross-entropy: one thread per row ----
__global__ void ceWeightsKernel(int64_t n, int64_t k, const int32_t* targets, const float* w, double* sums) {
  double ws = 0, all = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) ws += w ? w[targets[i]] : 1.0;
  for (int64_t j = threadIdx.x; j < k; j += blockDim.x) all += w ? w[j] : 1.0;
  ws = blockSum(ws);
  all = blockSum(all);
  if (threadIdx.x == 0) {
    sums[0] = ws;
    sums[1] = all;
  }
}

__global__ void ceRowsKernel(const float* logits, int64_t n, int64_t k, const int32_t* targets, const float* w,
                             double s, const double* sums, float* dlogits, double* partial) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  double acc = 0;
  if (i < n) {
    const double weightSum = sums[0], allWeights = sums[1];
    const double spread = s / static_cast<double>(k);
    const float* z = logits + i * k;
    const int64_t y = targets[i];
    float zmax = z[0];
    for (int64_t j = 1; j < k; ++j) zmax = fmaxf(zmax, z[j]);
    double sumExp = 0;
    for (int64_t j = 0; j < k; ++j) sumExp += exp(static_cast<double>(z[j]) - zmax);
    const double lse = zmax + log(sumExp);
    const double wy = w ? w[y] : 1.0;
    const double qsum = (1 - s) * wy + spread * allWeights;
    double qz = (1 - s) * wy * z[y];
    for (int64_t j = 0; j < k; ++j) qz += spread * (w ? w[j] : 1.0) * z[j];
    acc = qsum * lse - qz;
    if (dlogits) {
      float* g = dlogits + i * k;
      for (int64_t j = 0; j < k; ++j) {
        const double q = spread * (w ? w[j] : 1.0) + (j == y ? (1 - s) * wy : 0.0);
        g[j] = static_cast<float>((qsum * exp(z[j] - lse) - q) / weightSum);
      }
    }
  }
  acc = blockSum(acc);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

__global__ void ceFinishKernel(const double* total, const double* sums, float* loss) {
  loss[0] = static_cast<float>(total[0] / sums[0]);
}

// ---- BCE with logits ----
__global__ void bceKernel(const float* logits, const float* targets, int64_t m, int64_t inner, const float* posWeight,
                          int64_t channels, float invM, float* dlogits, double* partial) {
  const int64_t begin = static_cast<int64_t>(blockIdx.x) * kChunk, end = min(m, begin + kChunk);
  double acc = 0;
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
    const float pw = posWeight ? posWeight[(i / inner) % channels] : 1.0f;
    const float x = logits[i], t = targets[i];
    const float e = expf(-fabsf(x));
    const float softplusNeg = log1pf(e) + fmaxf(-x, 0.0f);
    const float l = 1.0f + (pw - 1.0f) * t;
    acc += (1.0f - t) * x + l * softplusNeg;
    if (dlogits) {
      const float sig = x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
      dlogits[i] = ((1.0f - t) + l * (sig - 1.0f)) * invM;
    }
  }
  acc = blockSum(acc);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

__global__ void divideKernel(const double* total, double by, float* loss) { loss[0] = static_cast<float>(total[0] / by); }

// ---- Dice: blocks (chunk, image) ----
__global__ void dicePartialsKernel(const float* logits, const float* targets, int64_t m, float* probs,
                                   double* partial) {
  const int64_t img = blockIdx.y, chunk = blockIdx.x;
  const int64_t begin = img * m + chunk * kChunk, end = img * m + min(m, (chunk + 1) * kChunk);
  double pt = 0, ps = 0, ts = 0;
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
    const float p = sigmoidOf(logits[i]);
    pt += p * targets[i];
    ps += p;
    ts += targets[i];
    if (probs) probs[i] = p;
  }
  pt = blockSum(pt);
  ps = blockSum(ps);
  ts = blockSum(ts);
  if (threadIdx.x == 0) {
    double* out = partial + (img * gridDim.x + chunk) * 3;
    out[0] = pt;
    out[1] = ps;
    out[2] = ts;
  }
}

// One block: per image inter/denom, the loss, and the gradient coefficients c1, c0 per image.
__global__ void diceFinishKernel(const double* partial, int64_t n, int64_t chunks, double eps, float* coef,
                                 float* loss) {
  double total = 0;
  for (int64_t img = threadIdx.x; img < n; img += blockDim.x) {
    double inter = 0, denom = 0;
    for (int64_t c = 0; c < chunks; ++c) {
      const double* p = partial + (img * chunks + c) * 3;
      inter += p[0];
      denom += p[1] + p[2];
    }
    total += 1.0 - (2 * inter + eps) / (denom + eps);
    const double a = denom + eps, bnum = 2 * inter + eps;
    coef[2 * img] = static_cast<float>(-2.0 / (a * static_cast<double>(n)));
    coef[2 * img + 1] = static_cast<float>(bnum / (a * a * static_cast<double>(n)));
  }
  total = blockSum(total);
  if (threadIdx.x == 0) loss[0] = static_cast<float>(total / static_cast<double>(n));
}

__global__ void diceGradKernel(const float* targets, int64_t n, int64_t m, const float* coef, float* dlogits) {
  CUDA_GRID_LOOP(i, n * m) {
    const int64_t img = i / m;
    const float p = dlogits[i];
    dlogits[i] = (coef[2 * img] * targets[i] + coef[2 * img + 1]) * p * (1.0f - p);
  }
}

// ---- CenterNet focal loss ----
__global__ void focalKernel(const float* x, const float* t, int64_t m, float alpha, float beta, float* dx,
                            double* partial) {
  constexpr float kLo = 1e-4f, kHi = 1.0f - 1e-4f;
  const int64_t begin = static_cast<int64_t>(blockIdx.x) * kChunk, end = min(m, begin + kChunk);
  double s = 0, pos = 0;
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
    const float e = expf(-fabsf(x[i]));
    const float big = 1.0f / (1.0f + e), small = e / (1.0f + e);
    const float sig = x[i] >= 0 ? big : small;
    const bool clamped = !(sig >= kLo && sig <= kHi);
    const float p = fminf(fmaxf(sig, kLo), kHi);
    const float q = fminf(fmaxf(x[i] >= 0 ? small : big, kLo), kHi);
    float loss, grad;
    if (t[i] == 1.0f) {
      pos += 1;
      const float qa = powf(q, alpha);
      const float lp = logf(p);
      loss = -qa * lp;
      grad = alpha * p * qa * lp - qa * q;
    } else {
      const float u = 1.0f - t[i];
      const float w = powf(u, beta);
      const float pa = powf(p, alpha);
      const float lq = logf(q);
      loss = -w * pa * lq;
      grad = w * pa * (p - alpha * q * lq);
    }
    s += loss;
    if (dx) dx[i] = clamped && grad == grad ? 0.0f : grad;
  }
  s = blockSum(s);
  pos = blockSum(pos);
  if (threadIdx.x == 0) {
    partial[2 * blockIdx.x] = s;
    partial[2 * blockIdx.x + 1] = pos;
  }
}

// sums: [loss sum, positives] -> loss, and scale[0] = 1 / max(1, positives) for the gradient.
__global__ void focalFinishKernel(const double* sums, float* scale, float* loss) {
  const double norm = fmax(1.0, sums[1]);
  loss[0] = static_cast<float>(sums[0] / norm);
  scale[0] = static_cast<float>(1.0 / norm);
}

__global__ void scaleByKernel(float* x, int64_t m, const float* scale) {
  const float s = scale[0];
  CUDA_GRID_LOOP(i, m) x[i] *= s;
}

// ---- L1 with an optional (broadcast) mask ----
__global__ void maskSumKernel(const float* mask, int64_t mm, double* partial) {
  const int64_t begin = static_cast<int64_t>(blockIdx.x) * kChunk, end = min(mm, begin + kChunk);
  double acc = 0;
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) acc += mask[i];
  acc = blockSum(acc);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

// norm[0] = max(1, mask sum * broadcast) (or m without a mask); inv[0] = 1 / norm.
__global__ void l1NormKernel(const double* maskSum, double broadcast, double m, double* norm, float* inv) {
  const double v = maskSum ? fmax(1.0, maskSum[0] * broadcast) : m;
  norm[0] = v;
  inv[0] = static_cast<float>(1.0 / v);
}

__global__ void l1Kernel(const float* pred, const float* target, const float* mask, int64_t m, int64_t c, int64_t hw,
                         int64_t maskChannels, const float* inv, float* dpred, double* partial) {
  const int64_t begin = static_cast<int64_t>(blockIdx.x) * kChunk, end = min(m, begin + kChunk);
  const float scale = inv[0];
  double acc = 0;
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
    const int64_t row = i / hw;
    const float d = pred[i] - target[i];
    const float w = mask ? mask[(maskChannels == 1 ? row / c : row) * hw + (i - row * hw)] : 1.0f;
    acc += fabsf(d) * w;
    if (dpred) dpred[i] = signOf(d) * w * scale;
  }
  acc = blockSum(acc);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

__global__ void l1FinishKernel(const double* total, const double* norm, float* loss) {
  loss[0] = static_cast<float>(total[0] / norm[0]);
}

}  // namespace

void softmaxCrossEntropy(const float* logits, int64_t n, int64_t k, const int32_t* targets,
                         const float* classWeight, double labelSmoothing, float* dlogits, float* loss) {
  cudaStream_t st = stream();
  const unsigned blocks = static_cast<unsigned>((n + kThreads - 1) / kThreads);
  DeviceScratch scratch((2 + 1 + blocks) * sizeof(double));
  double* sums = scratch.as<double>();
  double* total = sums + 2;
  double* partial = sums + 3;
  ceWeightsKernel<<<1, kThreads, 0, st>>>(n, k, targets, classWeight, sums);
  CUDA_CHECK_LAUNCH();
  ceRowsKernel<<<blocks, kThreads, 0, st>>>(logits, n, k, targets, classWeight, labelSmoothing, sums, dlogits, partial);
  CUDA_CHECK_LAUNCH();
  sumPartialsKernel<<<1, kThreads, 0, st>>>(partial, blocks, 1, 1, total);
  CUDA_CHECK_LAUNCH();
  ceFinishKernel<<<1, 1, 0, st>>>(total, sums, loss);
  CUDA_CHECK_LAUNCH();
}

void bceWithLogits(const float* logits, const float* targets, int64_t rows, int64_t inner,
                   const float* posWeight, int64_t channels, float* dlogits, float* loss) {
  cudaStream_t st = stream();
  const int64_t m = rows * inner;
  const unsigned blocks = chunksOf(m);
  DeviceScratch scratch((1 + blocks) * sizeof(double));
  double* total = scratch.as<double>();
  double* partial = total + 1;
  const float invM = static_cast<float>(1.0 / static_cast<double>(m));
  bceKernel<<<blocks, kThreads, 0, st>>>(logits, targets, m, inner, posWeight, channels, invM, dlogits, partial);
  CUDA_CHECK_LAUNCH();
  sumPartialsKernel<<<1, kThreads, 0, st>>>(partial, blocks, 1, 1, total);
  CUDA_CHECK_LAUNCH();
  divideKernel<<<1, 1, 0, st>>>(total, static_cast<double>(m), loss);
  CUDA_CHECK_LAUNCH();
}

void diceLoss(const float* logits, const float* targets, int64_t n, int64_t m, double eps, float* dlogits,
              float* loss) {
  cudaStream_t st = stream();
  const unsigned chunks = chunksOf(m);
  DeviceScratch partial(static_cast<size_t>(3 * n * chunks) * sizeof(double));
  DeviceScratch coef(static_cast<size_t>(2 * n) * sizeof(float));
  dicePartialsKernel<<<dim3(chunks, static_cast<unsigned>(n)), kThreads, 0, st>>>(logits, targets, m, dlogits,
                                                                                  partial.as<double>());
  CUDA_CHECK_LAUNCH();
  diceFinishKernel<<<1, kThreads, 0, st>>>(partial.as<double>(), n, chunks, eps, coef.as<float>(), loss);
  CUDA_CHECK_LAUNCH();
  if (dlogits) {
    diceGradKernel<<<gridFor(n * m), kThreads, 0, st>>>(targets, n, m, coef.as<float>(), dlogits);
    CUDA_CHECK_LAUNCH();
  }
}

void focalLoss(const float* logits, const float* targets, size_t m, double alpha, double beta, float* dlogits,
               float* loss) {
  cudaStream_t st = stream();
  const int64_t mm = static_cast<int64_t>(m);
  const unsigned blocks = chunksOf(mm);
  DeviceScratch scratch((2 + 2 * blocks) * sizeof(double) + sizeof(float));
  double* sums = scratch.as<double>();
  double* partial = sums + 2;
  float* scale = reinterpret_cast<float*>(partial + 2 * blocks);
  focalKernel<<<blocks, kThreads, 0, st>>>(logits, targets, mm, static_cast<float>(alpha), static_cast<float>(beta),
                                           dlogits, partial);
  CUDA_CHECK_LAUNCH();
  sumPartialsKernel<<<1, kThreads, 0, st>>>(partial, blocks, 2, 2, sums);
  CUDA_CHECK_LAUNCH();
  focalFinishKernel<<<1, 1, 0, st>>>(sums, scale, loss);
  CUDA_CHECK_LAUNCH();
  if (dlogits) {
    scaleByKernel<<<gridFor(m), kThreads, 0, st>>>(dlogits, mm, scale);
    CUDA_CHECK_LAUNCH();
  }
}

void l1Loss(const float* pred, const float* target, const float* mask, int64_t n, int64_t c, int64_t hw,
            int64_t maskChannels, float* dpred, float* loss) {
  cudaStream_t st = stream();
  const int64_t m = n * c * hw;
  const int64_t mm = n * maskChannels * hw;
  const unsigned blocks = chunksOf(m), maskBlocks = chunksOf(mm);
  DeviceScratch scratch((3 + blocks + maskBlocks) * sizeof(double) + sizeof(float));
  double* maskSum = scratch.as<double>();
  double* norm = maskSum + 1;
  double* total = maskSum + 2;
  double* partial = maskSum + 3;
  double* maskPartial = partial + blocks;
  float* inv = reinterpret_cast<float*>(maskPartial + maskBlocks);
  if (mask) {
    maskSumKernel<<<maskBlocks, kThreads, 0, st>>>(mask, mm, maskPartial);
    CUDA_CHECK_LAUNCH();
    sumPartialsKernel<<<1, kThreads, 0, st>>>(maskPartial, maskBlocks, 1, 1, maskSum);
    CUDA_CHECK_LAUNCH();
  }
  l1NormKernel<<<1, 1, 0, st>>>(mask ? maskSum : nullptr, maskChannels == 1 ? static_cast<double>(c) : 1.0,
                                static_cast<double>(m), norm, inv);
  CUDA_CHECK_LAUNCH();
  l1Kernel<<<blocks, kThreads, 0, st>>>(pred, target, mask, m, c, hw, maskChannels, inv, dpred, partial);
  CUDA_CHECK_LAUNCH();
  sumPartialsKernel<<<1, kThreads, 0, st>>>(partial, blocks, 1, 1, total);
  CUDA_CHECK_LAUNCH();
  l1FinishKernel<<<1, 1, 0, st>>>(total, norm, loss);
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace ftm
