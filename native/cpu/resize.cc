// Nearest and bilinear upsampling: per-axis source indices and weights are computed once per
// call; the planes (N*C) are spread over the thread pool.
#include "resize.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "thread_pool.h"

namespace ftm {
namespace {

template <class Fn>
void forEachPlane(int64_t planes, int64_t workPerPlane, Fn&& fn) {
  if (planes * workPerPlane < (1 << 15)) {
    for (int64_t i = 0; i < planes; ++i) fn(i);
    return;
  }
  parallelFor(static_cast<size_t>(planes), [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; ++i) fn(static_cast<int64_t>(i));
  });
}

// For one axis of length `in` scaled by `scale`: the lower source index, whether an upper
// neighbour exists (0 or 1 step), and the two weights, per output index. Same float math as
// torch's area_pixel_compute_source_index (align_corners = false, clamped at 0).
struct Axis {
  std::vector<int64_t> i0, step;
  std::vector<float> l0, l1;
};

Axis bilinearAxis(int64_t in, int64_t scale) {
  const int64_t out = in * scale;
  const float ratio = static_cast<float>(1.0 / static_cast<double>(scale));
  Axis a;
  a.i0.resize(out);
  a.step.resize(out);
  a.l0.resize(out);
  a.l1.resize(out);
  for (int64_t d = 0; d < out; ++d) {
    float src = ratio * (static_cast<float>(d) + 0.5f) - 0.5f;
    if (src < 0.0f) src = 0.0f;
    const int64_t i0 = std::min(static_cast<int64_t>(src), in - 1);
    a.i0[d] = i0;
    a.step[d] = i0 < in - 1 ? 1 : 0;
    a.l1[d] = src - static_cast<float>(i0);
    a.l0[d] = 1.0f - a.l1[d];
  }
  return a;
}

}  // namespace

void upsampleNearestForward(const float* x, float* y, int64_t n, int64_t c, int64_t h, int64_t w,
                            int64_t scaleH, int64_t scaleW) {
  const int64_t oh = h * scaleH, ow = w * scaleW;
  forEachPlane(n * c, oh * ow, [&](int64_t i) {
    const float* xp = x + i * h * w;
    float* yp = y + i * oh * ow;
    for (int64_t hh = 0; hh < h; ++hh) {
      float* row = yp + hh * scaleH * ow;
      const float* src = xp + hh * w;
      for (int64_t ww = 0; ww < w; ++ww)
        for (int64_t k = 0; k < scaleW; ++k) row[ww * scaleW + k] = src[ww];
      for (int64_t r = 1; r < scaleH; ++r) std::memcpy(row + r * ow, row, sizeof(float) * static_cast<size_t>(ow));
    }
  });
}

void upsampleNearestBackward(const float* gy, float* gx, int64_t n, int64_t c, int64_t h, int64_t w,
                             int64_t scaleH, int64_t scaleW) {
  const int64_t oh = h * scaleH, ow = w * scaleW;
  forEachPlane(n * c, oh * ow, [&](int64_t i) {
    const float* gp = gy + i * oh * ow;
    float* gxp = gx + i * h * w;
    for (int64_t hh = 0; hh < h; ++hh) {
      float* dst = gxp + hh * w;
      for (int64_t ww = 0; ww < w; ++ww) dst[ww] = 0.0f;
      for (int64_t r = 0; r < scaleH; ++r) {
        const float* row = gp + (hh * scaleH + r) * ow;
        for (int64_t ww = 0; ww < w; ++ww) {
          float s = 0.0f;
          for (int64_t k = 0; k < scaleW; ++k) s += row[ww * scaleW + k];
          dst[ww] += s;
        }
      }
    }
  });
}

void upsampleBilinearForward(const float* x, float* y, int64_t n, int64_t c, int64_t h, int64_t w,
                             int64_t scaleH, int64_t scaleW) {
  const int64_t oh = h * scaleH, ow = w * scaleW;
  const Axis ah = bilinearAxis(h, scaleH), aw = bilinearAxis(w, scaleW);
  forEachPlane(n * c, oh * ow, [&](int64_t i) {
    const float* xp = x + i * h * w;
    float* yp = y + i * oh * ow;
    for (int64_t p = 0; p < oh; ++p) {
      const float* r0 = xp + ah.i0[p] * w;
      const float* r1 = r0 + ah.step[p] * w;
      const float h0 = ah.l0[p], h1 = ah.l1[p];
      float* out = yp + p * ow;
      for (int64_t q = 0; q < ow; ++q) {
        const int64_t j = aw.i0[q], k = j + aw.step[q];
        out[q] = h0 * (aw.l0[q] * r0[j] + aw.l1[q] * r0[k]) + h1 * (aw.l0[q] * r1[j] + aw.l1[q] * r1[k]);
      }
    }
  });
}

void upsampleBilinearBackward(const float* gy, float* gx, int64_t n, int64_t c, int64_t h, int64_t w,
                              int64_t scaleH, int64_t scaleW) {
  const int64_t oh = h * scaleH, ow = w * scaleW;
  const Axis ah = bilinearAxis(h, scaleH), aw = bilinearAxis(w, scaleW);
  forEachPlane(n * c, oh * ow, [&](int64_t i) {
    const float* gp = gy + i * oh * ow;
    float* gxp = gx + i * h * w;
    std::memset(gxp, 0, sizeof(float) * static_cast<size_t>(h * w));
    for (int64_t p = 0; p < oh; ++p) {
      float* r0 = gxp + ah.i0[p] * w;
      float* r1 = r0 + ah.step[p] * w;
      const float h0 = ah.l0[p], h1 = ah.l1[p];
      const float* g = gp + p * ow;
      for (int64_t q = 0; q < ow; ++q) {
        const int64_t j = aw.i0[q], k = j + aw.step[q];
        const float a = h0 * g[q], b = h1 * g[q];
        r0[j] += aw.l0[q] * a;
        r0[k] += aw.l1[q] * a;
        r1[j] += aw.l0[q] * b;
        r1[k] += aw.l1[q] * b;
      }
    }
  });
}

}  // namespace ftm
