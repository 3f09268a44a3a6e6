// Max and average pooling on the GPU (twin of native/cpu/pool.cc). The backward passes gather
// (one thread per input pixel visits the windows that contain it): no atomics, deterministic.
#include "cuda_device.h"
#include "cuda_launch.h"
#include "cuda_layers.h"

namespace ftm {
namespace cuda {
namespace {

__device__ __forceinline__ bool takesMax(float v, float m) { return v > m || isnan(v); }

// Index (h*W + w) of the first maximum of window (p, q) in plane x, or -1; as the CPU's.
__device__ int64_t windowArgmax(const float* x, const Pool2dShape& s, int64_t p, int64_t q, float* value) {
  const int64_t h0 = p * s.strideH - s.padH, w0 = q * s.strideW - s.padW;
  const int64_t hs = max(h0, int64_t{0}), he = min(h0 + s.kernelH, s.h);
  const int64_t ws = max(w0, int64_t{0}), we = min(w0 + s.kernelW, s.w);
  float m = -INFINITY;
  int64_t best = -1;
  for (int64_t h = hs; h < he; ++h) {
    const float* row = x + h * s.w;
    for (int64_t w = ws; w < we; ++w) {
      if (best < 0 || takesMax(row[w], m)) {
        m = row[w];
        best = h * s.w + w;
        if (isnan(m)) {
          *value = m;
          return best;
        }
      }
    }
  }
  *value = m;
  return best;
}

// The windows along one axis that contain input index i: [lo, hi] (empty when lo > hi).
__device__ __forceinline__ void windowsContaining(int64_t i, int64_t pad, int64_t k, int64_t stride, int64_t out,
                                                  int64_t& lo, int64_t& hi) {
  const int64_t num = i + pad - k;
  lo = num < 0 ? 0 : num / stride + 1;
  hi = min(out - 1, (i + pad) / stride);
}

__global__ void maxForwardKernel(const float* x, float* y, Pool2dShape s) {
  const int64_t total = s.n * s.c * s.p * s.q;
  CUDA_GRID_LOOP(i, total) {
    const int64_t plane = i / (s.p * s.q), rem = i - plane * s.p * s.q;
    const int64_t p = rem / s.q, q = rem - p * s.q;
    float v;
    windowArgmax(x + plane * s.h * s.w, s, p, q, &v);
    y[i] = v;
  }
}

__global__ void maxBackwardKernel(const float* x, const float* gy, float* gx, Pool2dShape s) {
  const int64_t total = s.n * s.c * s.h * s.w;
  CUDA_GRID_LOOP(i, total) {
    const int64_t plane = i / (s.h * s.w), at = i - plane * s.h * s.w;
    const int64_t h = at / s.w, w = at - h * s.w;
    const float* xp = x + plane * s.h * s.w;
    const float* gp = gy + plane * s.p * s.q;
    int64_t p0, p1, q0, q1;
    windowsContaining(h, s.padH, s.kernelH, s.strideH, s.p, p0, p1);
    windowsContaining(w, s.padW, s.kernelW, s.strideW, s.q, q0, q1);
    float acc = 0.0f;
    for (int64_t p = p0; p <= p1; ++p)
      for (int64_t q = q0; q <= q1; ++q) {
        float v;
        if (windowArgmax(xp, s, p, q, &v) == at) acc += gp[p * s.q + q];
      }
    gx[i] = acc;
  }
}

__global__ void avgForwardKernel(const float* x, float* y, Pool2dShape s, float inv) {
  const int64_t total = s.n * s.c * s.p * s.q;
  CUDA_GRID_LOOP(i, total) {
    const int64_t plane = i / (s.p * s.q), rem = i - plane * s.p * s.q;
    const int64_t p = rem / s.q, q = rem - p * s.q;
    const float* xp = x + plane * s.h * s.w;
    const int64_t h0 = p * s.strideH - s.padH, w0 = q * s.strideW - s.padW;
    const int64_t hs = max(h0, int64_t{0}), he = min(h0 + s.kernelH, s.h);
    const int64_t ws = max(w0, int64_t{0}), we = min(w0 + s.kernelW, s.w);
    float sum = 0.0f;
    for (int64_t h = hs; h < he; ++h)
      for (int64_t w = ws; w < we; ++w) sum += xp[h * s.w + w];
    y[i] = sum * inv;
  }
}

__global__ void avgBackwardKernel(const float* gy, float* gx, Pool2dShape s, float inv) {
  const int64_t total = s.n * s.c * s.h * s.w;
  CUDA_GRID_LOOP(i, total) {
    const int64_t plane = i / (s.h * s.w), at = i - plane * s.h * s.w;
    const int64_t h = at / s.w, w = at - h * s.w;
    const float* gp = gy + plane * s.p * s.q;
    int64_t p0, p1, q0, q1;
    windowsContaining(h, s.padH, s.kernelH, s.strideH, s.p, p0, p1);
    windowsContaining(w, s.padW, s.kernelW, s.strideW, s.q, q0, q1);
    float acc = 0.0f;
    for (int64_t p = p0; p <= p1; ++p)
      for (int64_t q = q0; q <= q1; ++q) acc += gp[p * s.q + q] * inv;
    gx[i] = acc;
  }
}

}  // namespace

void maxPool2dForward(const float* x, float* y, const Pool2dShape& s) {
  const int64_t total = s.n * s.c * s.p * s.q;
  if (total == 0) return;
  maxForwardKernel<<<gridFor(total), kThreads, 0, stream()>>>(x, y, s);
  CUDA_CHECK_LAUNCH();
}

void maxPool2dBackward(const float* x, const float* gy, float* gx, const Pool2dShape& s) {
  const int64_t total = s.n * s.c * s.h * s.w;
  if (total == 0) return;
  maxBackwardKernel<<<gridFor(total), kThreads, 0, stream()>>>(x, gy, gx, s);
  CUDA_CHECK_LAUNCH();
}

void avgPool2dForward(const float* x, float* y, const Pool2dShape& s) {
  const int64_t total = s.n * s.c * s.p * s.q;
  if (total == 0) return;
  avgForwardKernel<<<gridFor(total), kThreads, 0, stream()>>>(x, y, s, 1.0f / static_cast<float>(s.kernelH * s.kernelW));
  CUDA_CHECK_LAUNCH();
}

void avgPool2dBackward(const float* gy, float* gx, const Pool2dShape& s) {
  const int64_t total = s.n * s.c * s.h * s.w;
  if (total == 0) return;
  avgBackwardKernel<<<gridFor(total), kThreads, 0, stream()>>>(gy, gx, s, 1.0f / static_cast<float>(s.kernelH * s.kernelW));
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace ftm
