// Optimizer kernels on the GPU (twin of native/cpu/optim.cc): fused in-place SGD and AdamW,
// and the gradient-norm helpers (sumSquares returns its value to the host, as on the CPU).
#include <cmath>

#include "block_reduce.cuh"
#include "cuda_device.h"
#include "cuda_launch.h"
#include "cuda_optim.h"

namespace ftm {
namespace cuda {
namespace {

__global__ void sgdKernel(float* p, const float* g, float* buf, size_t n, SgdOptions o) {
  const float lr = o.lr, wd = o.weightDecay, mu = o.momentum, damp = 1.0f - o.dampening;
  CUDA_GRID_LOOP(i, n) {
    const float d = g[i] + wd * p[i];
    if (mu == 0.0f) {
      p[i] -= lr * d;
    } else if (o.firstStep) {
      buf[i] = d;
      p[i] -= lr * (o.nesterov ? d + mu * d : d);
    } else {
      const float b = mu * buf[i] + damp * d;
      buf[i] = b;
      p[i] -= lr * (o.nesterov ? d + mu * b : b);
    }
  }
}

__global__ void adamwKernel(float* p, const float* g, float* m, float* v, size_t n, float b1, float b2, float c1,
                            float c2, float decay, float lr, float eps) {
  CUDA_GRID_LOOP(i, n) {
    const float gi = g[i];
    const float mi = b1 * m[i] + (1.0f - b1) * gi;
    const float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - lr * (mi * c1) / (sqrtf(vi * c2) + eps);
  }
}

constexpr int64_t kChunk = 1 << 14;

__global__ void sumSquaresKernel(const float* x, int64_t n, double* partial) {
  const int64_t begin = static_cast<int64_t>(blockIdx.x) * kChunk, end = min(n, begin + kChunk);
  double acc = 0;
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) acc += static_cast<double>(x[i]) * x[i];
  acc = blockSum(acc);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

__global__ void sumKernel(const double* partial, int64_t count, double* out) {
  double acc = 0;
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x) acc += partial[i];
  acc = blockSum(acc);
  if (threadIdx.x == 0) out[0] = acc;
}

__global__ void scaleKernel(float* x, size_t n, float s) {
  CUDA_GRID_LOOP(i, n) x[i] *= s;
}

}  // namespace

void sgdStep(float* p, const float* g, float* momentumBuf, size_t n, const SgdOptions& o) {
  if (n == 0) return;
  sgdKernel<<<gridFor(n), kThreads, 0, stream()>>>(p, g, momentumBuf, n, o);
  CUDA_CHECK_LAUNCH();
}

void adamwStep(float* p, const float* g, float* m, float* v, size_t n, const AdamWOptions& o) {
  if (n == 0) return;
  const float c1 = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(o.beta1), o.step)));
  const float c2 = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(o.beta2), o.step)));
  const float decay = 1.0f - o.lr * o.weightDecay;
  adamwKernel<<<gridFor(n), kThreads, 0, stream()>>>(p, g, m, v, n, o.beta1, o.beta2, c1, c2, decay, o.lr, o.eps);
  CUDA_CHECK_LAUNCH();
}

double sumSquares(const float* x, size_t n) {
  if (n == 0) return 0.0;
  cudaStream_t st = stream();
  const int64_t blocks = (static_cast<int64_t>(n) + kChunk - 1) / kChunk;
  DeviceScratch scratch(static_cast<size_t>(1 + blocks) * sizeof(double));
  double* out = scratch.as<double>();
  sumSquaresKernel<<<static_cast<unsigned>(blocks), kThreads, 0, st>>>(x, static_cast<int64_t>(n), out + 1);
  CUDA_CHECK_LAUNCH();
  sumKernel<<<1, kThreads, 0, st>>>(out + 1, blocks, out);
  CUDA_CHECK_LAUNCH();
  double result = 0;
  copyToHost(&result, out, sizeof(double));
  return result;
}

void scaleInPlace(float* x, size_t n, float s) {
  if (n == 0) return;
  scaleKernel<<<gridFor(n), kThreads, 0, stream()>>>(x, n, s);
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace ftm
