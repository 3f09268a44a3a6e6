// Nearest and bilinear upsampling. Planes (N*C) are spread over the thread pool. Bilinear is
// separable: each input row is interpolated along W into a per-thread scratch plane, then
// output rows blend two scratch rows (the same arithmetic order as torch). Scale 2 (the U-Net
// decoder) has vectorised interior loops; other integer scales use the generic tables.
#if defined(__GNUC__) && !defined(__clang__)
// FP ops never trap here, so compare-and-select loops may be if-converted and vectorised.
#pragma GCC optimize("no-trapping-math")
#endif
#include "resize.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "simd_dispatch.h"
#include "thread_pool.h"

namespace ftm {
namespace {

// Output elements below which a pass runs on the calling thread.
constexpr int64_t kParallelElements = 1 << 15;

template <class Fn>
void forEachPlane(int64_t planes, int64_t workPerPlane, Fn&& fn) {
  if (planes * workPerPlane < kParallelElements) {
    for (int64_t i = 0; i < planes; ++i) fn(i);
    return;
  }
  parallelFor(static_cast<size_t>(planes), [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; ++i) fn(static_cast<int64_t>(i));
  });
}

// A per-thread scratch buffer reused across calls (fresh memory is slow to fault in).
float* scratch(size_t n) {
  thread_local std::vector<float> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

// For one axis of length `in` scaled by `scale`: per output index, the lower source index,
// the step to the upper neighbour (0 at the border) and the two weights. Same float math as
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

// ---- vectorised row bodies ----

// row: (w) -> out: (2w), out[2i] = out[2i+1] = row[i]
FTM_ALWAYS_INLINE void repeat2Body(const float* row, float* out, int64_t w) {
  for (int64_t i = 0; i < w; ++i) {
    out[2 * i] = row[i];
    out[2 * i + 1] = row[i];
  }
}
FTM_MULTIVERSION(repeat2, (const float* row, float* out, int64_t w), (row, out, w))

// g: (2w) -> dst: (w), dst[i] += g[2i] + g[2i+1]
FTM_ALWAYS_INLINE void pairSumAddBody(const float* g, float* dst, int64_t w) {
  for (int64_t i = 0; i < w; ++i) dst[i] += g[2 * i] + g[2 * i + 1];
}
FTM_MULTIVERSION(pairSumAdd, (const float* g, float* dst, int64_t w), (g, dst, w))

// out = a*x + b*y over n
FTM_ALWAYS_INLINE void blendBody(const float* x, float a, const float* y, float b, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a * x[i] + b * y[i];
}
FTM_MULTIVERSION(blend, (const float* x, float a, const float* y, float b, float* out, int64_t n), (x, a, y, b, out, n))

// acc += a*x over n
FTM_ALWAYS_INLINE void axpyBody(float a, const float* x, float* acc, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] += a * x[i];
}
FTM_MULTIVERSION(axpy, (float a, const float* x, float* acc, int64_t n), (a, x, acc, n))

// Scale-2 interior of the horizontal bilinear pass: for i in [1, w-2],
// out[2i] = 0.25 r[i-1] + 0.75 r[i], out[2i+1] = 0.75 r[i] + 0.25 r[i+1].
FTM_ALWAYS_INLINE void bilinear2RowBody(const float* r, float* out, int64_t w) {
  for (int64_t i = 1; i + 1 < w; ++i) {
    out[2 * i] = 0.25f * r[i - 1] + 0.75f * r[i];
    out[2 * i + 1] = 0.75f * r[i] + 0.25f * r[i + 1];
  }
}
FTM_MULTIVERSION(bilinear2Row, (const float* r, float* out, int64_t w), (r, out, w))

// Its transpose for i in [1, w-2]: g[i] = 0.25 t[2i-1] + 0.75 t[2i] + 0.75 t[2i+1] + 0.25 t[2i+2].
FTM_ALWAYS_INLINE void bilinear2RowBackBody(const float* t, float* g, int64_t w) {
  for (int64_t i = 1; i + 1 < w; ++i)
    g[i] = 0.25f * t[2 * i - 1] + 0.75f * t[2 * i] + 0.75f * t[2 * i + 1] + 0.25f * t[2 * i + 2];
}
FTM_MULTIVERSION(bilinear2RowBack, (const float* t, float* g, int64_t w), (t, g, w))

// Horizontal bilinear pass of one row, r: (w) -> out: (ow).
void bilinearRow(const float* r, float* out, const Axis& a, int64_t w, int64_t scale) {
  const int64_t ow = w * scale;
  auto one = [&](int64_t q) { out[q] = a.l0[q] * r[a.i0[q]] + a.l1[q] * r[a.i0[q] + a.step[q]]; };
  if (scale != 2 || w < 3) {
    for (int64_t q = 0; q < ow; ++q) one(q);
    return;
  }
  bilinear2RowDispatch(r, out, w);
  for (int64_t q : {int64_t{0}, int64_t{1}, ow - 2, ow - 1}) one(q);
}

// Transpose of bilinearRow: t: (ow) -> g: (w), overwritten.
void bilinearRowBack(const float* t, float* g, const Axis& a, int64_t w, int64_t scale) {
  const int64_t ow = w * scale;
  auto scatter = [&](int64_t q, bool edgesOnly) {
    const int64_t j = a.i0[q], k = j + a.step[q];
    if (!edgesOnly || j == 0 || j == w - 1) g[j] += a.l0[q] * t[q];
    if (!edgesOnly || k == 0 || k == w - 1) g[k] += a.l1[q] * t[q];
  };
  if (scale != 2 || w < 3) {
    std::memset(g, 0, sizeof(float) * static_cast<size_t>(w));
    for (int64_t q = 0; q < ow; ++q) scatter(q, false);
    return;
  }
  bilinear2RowBackDispatch(t, g, w);
  g[0] = 0.0f;
  g[w - 1] = 0.0f;
  // Outputs that touch the first or last input pixel (for scale 2: q < 3 or q >= ow - 3).
  for (int64_t q : {int64_t{0}, int64_t{1}, int64_t{2}, ow - 3, ow - 2, ow - 1}) scatter(q, true);
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
      if (scaleW == 2) {
        repeat2Dispatch(src, row, w);
      } else {
        for (int64_t ww = 0; ww < w; ++ww)
          for (int64_t k = 0; k < scaleW; ++k) row[ww * scaleW + k] = src[ww];
      }
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
      std::memset(dst, 0, sizeof(float) * static_cast<size_t>(w));
      for (int64_t r = 0; r < scaleH; ++r) {
        const float* row = gp + (hh * scaleH + r) * ow;
        if (scaleW == 2) {
          pairSumAddDispatch(row, dst, w);
        } else {
          for (int64_t ww = 0; ww < w; ++ww) {
            float s = 0.0f;
            for (int64_t k = 0; k < scaleW; ++k) s += row[ww * scaleW + k];
            dst[ww] += s;
          }
        }
      }
    }
  });
}

void upsampleBilinearForward(const float* x, float* y, int64_t n, int64_t c, int64_t h, int64_t w,
                             int64_t scaleH, int64_t scaleW) {
  const int64_t oh = h * scaleH, ow = w * scaleW;
  const Axis ah = bilinearAxis(h, scaleH), aw = bilinearAxis(w, scaleW);
  // Output rows [p0, p1) of plane i: the input rows they blend are interpolated along W into
  // per-thread scratch first (rows at a block's edge are interpolated by both blocks: the same
  // values, each computed the same way).
  const auto rowsOf = [&](int64_t i, int64_t p0, int64_t p1) {
    const float* xp = x + i * h * w;
    float* yp = y + i * oh * ow;
    const int64_t r0 = ah.i0[p0], r1 = ah.i0[p1 - 1] + ah.step[p1 - 1] + 1;
    float* tmp = scratch(static_cast<size_t>((r1 - r0) * ow));  // input rows r0.. along W
    for (int64_t r = r0; r < r1; ++r) bilinearRow(xp + r * w, tmp + (r - r0) * ow, aw, w, scaleW);
    for (int64_t p = p0; p < p1; ++p) {
      const float* t0 = tmp + (ah.i0[p] - r0) * ow;
      blendDispatch(t0, ah.l0[p], t0 + ah.step[p] * ow, ah.l1[p], yp + p * ow, ow);
    }
  };
  // Fewer planes than threads (the mask logits at batch 1: one plane): blocks of rows instead.
  const int64_t planes = n * c, threads = numThreads();
  if (planes < threads && planes * oh * ow >= kParallelElements) {
    const int64_t blocks = std::min<int64_t>(oh, 4 * threads);
    parallelFor(static_cast<size_t>(planes * blocks), [&](size_t b, size_t e, int) {
      for (size_t u = b; u < e; ++u) {
        const int64_t i = static_cast<int64_t>(u) / blocks, k = static_cast<int64_t>(u) % blocks;
        rowsOf(i, oh * k / blocks, oh * (k + 1) / blocks);
      }
    });
    return;
  }
  forEachPlane(planes, oh * ow, [&](int64_t i) { rowsOf(i, 0, oh); });
}

void upsampleBilinearBackward(const float* gy, float* gx, int64_t n, int64_t c, int64_t h, int64_t w,
                              int64_t scaleH, int64_t scaleW) {
  const int64_t oh = h * scaleH, ow = w * scaleW;
  const Axis ah = bilinearAxis(h, scaleH), aw = bilinearAxis(w, scaleW);
  forEachPlane(n * c, oh * ow, [&](int64_t i) {
    const float* gp = gy + i * oh * ow;
    float* gxp = gx + i * h * w;
    float* tmp = scratch(static_cast<size_t>(h * ow));  // (H, OW): gradient before the W pass
    std::memset(tmp, 0, sizeof(float) * static_cast<size_t>(h * ow));
    for (int64_t p = 0; p < oh; ++p) {
      float* t0 = tmp + ah.i0[p] * ow;
      axpyDispatch(ah.l0[p], gp + p * ow, t0, ow);
      axpyDispatch(ah.l1[p], gp + p * ow, t0 + ah.step[p] * ow, ow);
    }
    for (int64_t r = 0; r < h; ++r) bilinearRowBack(tmp + r * ow, gxp + r * w, aw, w, scaleW);
  });
}

}  // namespace ftm
