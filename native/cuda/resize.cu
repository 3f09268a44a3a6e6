// Nearest and bilinear upsampling on the GPU (twin of native/cpu/resize.cc). The backward
// passes gather over the outputs that read each input pixel: no atomics, deterministic.
#include "cuda_device.h"
#include "cuda_launch.h"
#include "cuda_layers.h"

namespace ftm {
namespace cuda {
namespace {

// Bilinear source index and weights of output d on an axis of `in` pixels scaled by `scale`,
// with the CPU's float math (torch's area_pixel_compute_source_index, align_corners = false).
struct Tap {
  int64_t i0, i1;
  float l0, l1;
};
__device__ __forceinline__ Tap bilinearTap(int64_t d, int64_t in, float ratio) {
  float src = __fsub_rn(__fmul_rn(ratio, __fadd_rn(static_cast<float>(d), 0.5f)), 0.5f);
  if (src < 0.0f) src = 0.0f;
  const int64_t i0 = min(static_cast<int64_t>(src), in - 1);
  const float l1 = __fsub_rn(src, static_cast<float>(i0));
  return Tap{i0, i0 < in - 1 ? i0 + 1 : i0, 1.0f - l1, l1};
}

// Weight of input index i in output d's interpolation (both taps count when they coincide).
__device__ __forceinline__ float tapWeight(const Tap& t, int64_t i) {
  return (t.i0 == i ? t.l0 : 0.0f) + (t.i1 == i ? t.l1 : 0.0f);
}

__global__ void nearestForwardKernel(const float* x, float* y, int64_t planes, int64_t h, int64_t w, int64_t sh,
                                     int64_t sw) {
  const int64_t oh = h * sh, ow = w * sw, total = planes * oh * ow;
  CUDA_GRID_LOOP(i, total) {
    const int64_t plane = i / (oh * ow), rem = i - plane * oh * ow;
    const int64_t p = rem / ow, q = rem - p * ow;
    y[i] = x[(plane * h + p / sh) * w + q / sw];
  }
}

__global__ void nearestBackwardKernel(const float* gy, float* gx, int64_t planes, int64_t h, int64_t w, int64_t sh,
                                      int64_t sw) {
  const int64_t oh = h * sh, ow = w * sw, total = planes * h * w;
  CUDA_GRID_LOOP(i, total) {
    const int64_t plane = i / (h * w), rem = i - plane * h * w;
    const int64_t hh = rem / w, ww = rem - hh * w;
    const float* g = gy + plane * oh * ow + hh * sh * ow + ww * sw;
    float acc = 0.0f;
    for (int64_t r = 0; r < sh; ++r) {
      float s = 0.0f;
      for (int64_t k = 0; k < sw; ++k) s += g[r * ow + k];
      acc += s;
    }
    gx[i] = acc;
  }
}

__global__ void bilinearForwardKernel(const float* x, float* y, int64_t planes, int64_t h, int64_t w, int64_t sh,
                                      int64_t sw, float rh, float rw) {
  const int64_t oh = h * sh, ow = w * sw, total = planes * oh * ow;
  CUDA_GRID_LOOP(i, total) {
    const int64_t plane = i / (oh * ow), rem = i - plane * oh * ow;
    const int64_t p = rem / ow, q = rem - p * ow;
    const Tap th = bilinearTap(p, h, rh), tw = bilinearTap(q, w, rw);
    const float* r0 = x + (plane * h + th.i0) * w;
    const float* r1 = x + (plane * h + th.i1) * w;
    y[i] = th.l0 * (tw.l0 * r0[tw.i0] + tw.l1 * r0[tw.i1]) + th.l1 * (tw.l0 * r1[tw.i0] + tw.l1 * r1[tw.i1]);
  }
}

__global__ void bilinearBackwardKernel(const float* gy, float* gx, int64_t planes, int64_t h, int64_t w, int64_t sh,
                                       int64_t sw, float rh, float rw) {
  const int64_t oh = h * sh, ow = w * sw, total = planes * h * w;
  CUDA_GRID_LOOP(i, total) {
    const int64_t plane = i / (h * w), rem = i - plane * h * w;
    const int64_t hh = rem / w, ww = rem - hh * w;
    // Outputs reading row hh lie within [(hh-1)*sh, (hh+2)*sh) (and likewise for columns).
    const int64_t p0 = max(int64_t{0}, (hh - 1) * sh), p1 = min(oh, (hh + 2) * sh);
    const int64_t q0 = max(int64_t{0}, (ww - 1) * sw), q1 = min(ow, (ww + 2) * sw);
    const float* g = gy + plane * oh * ow;
    float acc = 0.0f;
    for (int64_t p = p0; p < p1; ++p) {
      const float a = tapWeight(bilinearTap(p, h, rh), hh);
      if (a == 0.0f) continue;
      float row = 0.0f;
      for (int64_t q = q0; q < q1; ++q) {
        const float b = tapWeight(bilinearTap(q, w, rw), ww);
        if (b != 0.0f) row += b * g[p * ow + q];
      }
      acc += a * row;
    }
    gx[i] = acc;
  }
}

float ratioOf(int64_t scale) { return static_cast<float>(1.0 / static_cast<double>(scale)); }

}  // namespace

void upsampleNearestForward(const float* x, float* y, int64_t n, int64_t c, int64_t h, int64_t w,
                            int64_t scaleH, int64_t scaleW) {
  const int64_t total = n * c * h * scaleH * w * scaleW;
  if (total == 0) return;
  nearestForwardKernel<<<gridFor(total), kThreads, 0, stream()>>>(x, y, n * c, h, w, scaleH, scaleW);
  CUDA_CHECK_LAUNCH();
}

void upsampleNearestBackward(const float* gy, float* gx, int64_t n, int64_t c, int64_t h, int64_t w,
                             int64_t scaleH, int64_t scaleW) {
  const int64_t total = n * c * h * w;
  if (total == 0) return;
  nearestBackwardKernel<<<gridFor(total), kThreads, 0, stream()>>>(gy, gx, n * c, h, w, scaleH, scaleW);
  CUDA_CHECK_LAUNCH();
}

void upsampleBilinearForward(const float* x, float* y, int64_t n, int64_t c, int64_t h, int64_t w,
                             int64_t scaleH, int64_t scaleW) {
  const int64_t total = n * c * h * scaleH * w * scaleW;
  if (total == 0) return;
  bilinearForwardKernel<<<gridFor(total), kThreads, 0, stream()>>>(x, y, n * c, h, w, scaleH, scaleW, ratioOf(scaleH),
                                                                    ratioOf(scaleW));
  CUDA_CHECK_LAUNCH();
}

void upsampleBilinearBackward(const float* gy, float* gx, int64_t n, int64_t c, int64_t h, int64_t w,
                              int64_t scaleH, int64_t scaleW) {
  const int64_t total = n * c * h * w;
  if (total == 0) return;
  bilinearBackwardKernel<<<gridFor(total), kThreads, 0, stream()>>>(gy, gx, n * c, h, w, scaleH, scaleW,
                                                                     ratioOf(scaleH), ratioOf(scaleW));
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace ftm
