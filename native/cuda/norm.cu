// Batch normalisation on the GPU (twin of native/cpu/norm.cc): per-channel statistics as
// (channel, part) block partials in double reduced in a fixed order, then an affine pass.
#include <algorithm>

#include "block_reduce.cuh"
#include "cuda_device.h"
#include "cuda_launch.h"
#include "cuda_layers.h"

namespace ftm {
namespace cuda {
namespace {

// Channel c's values are rows (n, c) of HW floats; part `p` of `parts` covers an equal slice of
// the N*HW values.
struct ChannelSplit {
  int64_t n, c, hw, parts;
  __device__ int64_t count() const { return n * hw; }
  __device__ const float* at(const float* base, int64_t ch, int64_t j) const {
    const int64_t img = j / hw;
    return base + (img * c + ch) * hw + (j - img * hw);
  }
};

int64_t partsFor(const BatchNormShape& s) {
  const int64_t per = s.n * s.hw;
  return std::max<int64_t>(1, std::min<int64_t>(32, per / 16384));
}

// partial[(c*parts + p)*2 + {0,1}] = sum of (x - shift[c]), sum of (x - shift[c])^2.
__global__ void momentsKernel(const float* x, ChannelSplit sp, double* partial) {
  const int64_t ch = blockIdx.x, part = blockIdx.y;
  const int64_t m = sp.count();
  const int64_t b = m * part / sp.parts, e = m * (part + 1) / sp.parts;
  const float shift = x[ch * sp.hw];
  double s1 = 0, s2 = 0;
  for (int64_t j = b + threadIdx.x; j < e; j += blockDim.x) {
    const float d = *sp.at(x, ch, j) - shift;
    s1 += d;
    s2 += static_cast<double>(d) * d;
  }
  s1 = blockSum(s1);
  s2 = blockSum(s2);
  if (threadIdx.x == 0) {
    partial[(ch * sp.parts + part) * 2] = s1;
    partial[(ch * sp.parts + part) * 2 + 1] = s2;
  }
}

// One thread per channel: statistics, running averages, and the affine map's scale/offset.
__global__ void finishForwardKernel(const float* x, ChannelSplit sp, const double* partial, const float* weight,
                                    const float* bias, float* runningMean, float* runningVar, bool training,
                                    double momentum, double eps, float* saveMean, float* saveInvStd,
                                    float* scale, float* offset) {
  const int64_t ch = blockIdx.x * blockDim.x + threadIdx.x;
  if (ch >= sp.c) return;
  if (training) {
    double a = 0, b = 0;
    for (int64_t p = 0; p < sp.parts; ++p) {
      a += partial[(ch * sp.parts + p) * 2];
      b += partial[(ch * sp.parts + p) * 2 + 1];
    }
    const double m = static_cast<double>(sp.n) * static_cast<double>(sp.hw);
    const double d = a / m;
    const double mean = x[ch * sp.hw] + d;
    const double var = fmax(0.0, b / m - d * d);
    saveMean[ch] = static_cast<float>(mean);
    saveInvStd[ch] = static_cast<float>(1.0 / sqrt(var + eps));
    if (runningMean != nullptr && runningVar != nullptr) {
      const double unbiased = m > 1 ? var * m / (m - 1) : var;
      runningMean[ch] = static_cast<float>((1 - momentum) * runningMean[ch] + momentum * mean);
      runningVar[ch] = static_cast<float>((1 - momentum) * runningVar[ch] + momentum * unbiased);
    }
  } else {
    saveMean[ch] = runningMean[ch];
    saveInvStd[ch] = static_cast<float>(1.0 / sqrt(static_cast<double>(runningVar[ch]) + eps));
  }
  const double a = (weight ? weight[ch] : 1.0) * saveInvStd[ch];
  scale[ch] = static_cast<float>(a);
  offset[ch] = static_cast<float>((bias ? bias[ch] : 0.0) - saveMean[ch] * a);
}

// y = a[c]*x + b[c] (also the backward's dx = k*dy + p*(x - mean) + q with x2 = x).
__global__ void channelAffineKernel(const float* x, int64_t total, int64_t c, int64_t hw, const float* a,
                                    const float* b, float* y) {
  CUDA_GRID_LOOP(i, total) {
    const int64_t ch = (i / hw) % c;
    y[i] = a[ch] * x[i] + b[ch];
  }
}

// partial[(c*parts + p)*2 + {0,1}] = sum of dy, sum of dy*(x - mean[c]).
__global__ void gradSumsKernel(const float* x, const float* dy, ChannelSplit sp, const float* mean,
                               double* partial) {
  const int64_t ch = blockIdx.x, part = blockIdx.y;
  const int64_t m = sp.count();
  const int64_t b = m * part / sp.parts, e = m * (part + 1) / sp.parts;
  const float mu = mean[ch];
  double s1 = 0, s2 = 0;
  for (int64_t j = b + threadIdx.x; j < e; j += blockDim.x) {
    const float g = *sp.at(dy, ch, j);
    s1 += g;
    s2 += static_cast<double>(g) * (*sp.at(x, ch, j) - mu);
  }
  s1 = blockSum(s1);
  s2 = blockSum(s2);
  if (threadIdx.x == 0) {
    partial[(ch * sp.parts + part) * 2] = s1;
    partial[(ch * sp.parts + part) * 2 + 1] = s2;
  }
}

__global__ void finishBackwardKernel(ChannelSplit sp, const double* partial, const float* weight,
                                     const float* saveMean, const float* saveInvStd, bool training, float* dweight,
                                     float* dbias, float* kk, float* pp, float* qq) {
  const int64_t ch = blockIdx.x * blockDim.x + threadIdx.x;
  if (ch >= sp.c) return;
  double a = 0, b = 0;
  if (partial) {
    for (int64_t p = 0; p < sp.parts; ++p) {
      a += partial[(ch * sp.parts + p) * 2];
      b += partial[(ch * sp.parts + p) * 2 + 1];
    }
  }
  const double invstd = saveInvStd[ch];
  if (dbias) dbias[ch] = static_cast<float>(a);
  if (dweight) dweight[ch] = static_cast<float>(b * invstd);
  if (!kk) return;
  const double m = static_cast<double>(sp.n) * static_cast<double>(sp.hw);
  const double gain = (weight ? weight[ch] : 1.0) * invstd;
  kk[ch] = static_cast<float>(gain);
  if (training) {
    const double meanDy = a / m;
    const double meanDyXhat = b * invstd / m;
    pp[ch] = static_cast<float>(-gain * invstd * meanDyXhat);
    qq[ch] = static_cast<float>(-gain * meanDy);
  } else {
    pp[ch] = 0.0f;
    qq[ch] = 0.0f;
  }
}

__global__ void gradInputKernel(const float* x, const float* dy, int64_t total, int64_t c, int64_t hw,
                                const float* mean, const float* kk, const float* pp, const float* qq, float* dx) {
  CUDA_GRID_LOOP(i, total) {
    const int64_t ch = (i / hw) % c;
    dx[i] = kk[ch] * dy[i] + pp[ch] * (x[i] - mean[ch]) + qq[ch];
  }
}

}  // namespace

void batchNormForward(const float* x, BatchNormShape s, const float* weight, const float* bias,
                      float* runningMean, float* runningVar, bool training, double momentum,
                      double eps, float* y, float* saveMean, float* saveInvStd) {
  cudaStream_t st = stream();
  const ChannelSplit sp{s.n, s.c, s.hw, training ? partsFor(s) : 1};
  DeviceScratch partial(static_cast<size_t>(2 * s.c * sp.parts) * sizeof(double));
  DeviceScratch affine(static_cast<size_t>(2 * s.c) * sizeof(float));
  float* scale = affine.as<float>();
  float* offset = scale + s.c;
  if (training) {
    momentsKernel<<<dim3(static_cast<unsigned>(s.c), static_cast<unsigned>(sp.parts)), kThreads, 0, st>>>(
        x, sp, partial.as<double>());
    CUDA_CHECK_LAUNCH();
  }
  const unsigned chBlocks = static_cast<unsigned>((s.c + kThreads - 1) / kThreads);
  finishForwardKernel<<<chBlocks, kThreads, 0, st>>>(x, sp, partial.as<double>(), weight, bias, runningMean,
                                                     runningVar, training, momentum, eps, saveMean, saveInvStd,
                                                     scale, offset);
  CUDA_CHECK_LAUNCH();
  const int64_t total = s.n * s.c * s.hw;
  channelAffineKernel<<<gridFor(total), kThreads, 0, st>>>(x, total, s.c, s.hw, scale, offset, y);
  CUDA_CHECK_LAUNCH();
}

void batchNormBackward(const float* x, const float* dy, BatchNormShape s, const float* weight,
                       const float* saveMean, const float* saveInvStd, bool training, float* dx,
                       float* dweight, float* dbias) {
  cudaStream_t st = stream();
  const bool needSums = training ? (dx || dweight || dbias) : (dweight || dbias);
  const ChannelSplit sp{s.n, s.c, s.hw, partsFor(s)};
  DeviceScratch partial(static_cast<size_t>(2 * s.c * sp.parts) * sizeof(double));
  DeviceScratch coef(static_cast<size_t>(3 * s.c) * sizeof(float));
  if (needSums) {
    gradSumsKernel<<<dim3(static_cast<unsigned>(s.c), static_cast<unsigned>(sp.parts)), kThreads, 0, st>>>(
        x, dy, sp, saveMean, partial.as<double>());
    CUDA_CHECK_LAUNCH();
  }
  float* kk = dx ? coef.as<float>() : nullptr;
  float* pp = kk ? kk + s.c : nullptr;
  float* qq = kk ? kk + 2 * s.c : nullptr;
  const unsigned chBlocks = static_cast<unsigned>((s.c + kThreads - 1) / kThreads);
  finishBackwardKernel<<<chBlocks, kThreads, 0, st>>>(sp, needSums ? partial.as<double>() : nullptr, weight,
                                                      saveMean, saveInvStd, training, dweight, dbias, kk, pp, qq);
  CUDA_CHECK_LAUNCH();
  if (!dx) return;
  const int64_t total = s.n * s.c * s.hw;
  gradInputKernel<<<gridFor(total), kThreads, 0, st>>>(x, dy, total, s.c, s.hw, saveMean, kk, pp, qq, dx);
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace ftm
