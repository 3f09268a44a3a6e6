// Max and average pooling: parallel over (N*C) planes; 2x2 stride-2 windows have vectorised row
// loops, other windows reduce rows then columns (forward) or recompute each argmax (backward).
#if defined(__GNUC__) && !defined(__clang__)
// FP ops never trap here, so compare-and-select loops may be if-converted and vectorised.
#pragma GCC optimize("no-trapping-math")
#endif
#include "pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "simd_dispatch.h"
#include "thread_pool.h"

namespace ftm {
namespace {

// Runs fn(plane) for every one of the N*C planes, spread over the pool.
template <class Fn>
void forEachPlane(const Pool2dShape& s, Fn&& fn) {
  const int64_t planes = s.n * s.c;
  const int64_t work = planes * std::max(s.h * s.w, s.p * s.q * s.kernelH * s.kernelW);
  if (work < (1 << 15)) {
    for (int64_t i = 0; i < planes; ++i) fn(i);
    return;
  }
  parallelFor(static_cast<size_t>(planes), [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; ++i) fn(static_cast<int64_t>(i));
  });
}

inline bool takesMax(float v, float m) { return v > m || std::isnan(v); }

// Index (h*W + w) of the first maximum of window (p, q) in plane x, or -1 if none.
inline int64_t windowArgmax(const float* x, const Pool2dShape& s, int64_t p, int64_t q, float* value) {
  const int64_t h0 = p * s.strideH - s.padH, w0 = q * s.strideW - s.padW;
  const int64_t hs = std::max<int64_t>(h0, 0), he = std::min(h0 + s.kernelH, s.h);
  const int64_t ws = std::max<int64_t>(w0, 0), we = std::min(w0 + s.kernelW, s.w);
  float m = -std::numeric_limits<float>::infinity();
  int64_t best = -1;
  for (int64_t h = hs; h < he; ++h) {
    const float* row = x + h * s.w;
    for (int64_t w = ws; w < we; ++w) {
      if (best < 0 || takesMax(row[w], m)) {
        m = row[w];
        best = h * s.w + w;
        if (std::isnan(m)) {
          *value = m;
          return best;
        }
      }
    }
  }
  *value = m;
  return best;
}

// NaN-propagating "v wins over m" written so that it vectorises (v != v is isnan).
FTM_ALWAYS_INLINE bool winsOver(float v, float m) { return (v > m) | (v != v); }

// 2x2 stride-2 unpadded windows (the U-Net down step), one output row:
// r0, r1: two input rows -> out: (q), the first maximum of each 2x2 window.
FTM_ALWAYS_INLINE void maxPool2x2RowBody(const float* r0, const float* r1, float* out, int64_t q) {
  for (int64_t j = 0; j < q; ++j) {
    float m = r0[2 * j];
    const float b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
    m = winsOver(b, m) ? b : m;
    m = winsOver(c, m) ? c : m;
    m = winsOver(d, m) ? d : m;
    out[j] = m;
  }
}
FTM_MULTIVERSION(maxPool2x2Row, (const float* r0, const float* r1, float* out, int64_t q), (r0, r1, out, q))

// Its gradient: each window's gy goes to the element the forward chose; the other three get 0.
// r0, r1: input rows, gy: (q) -> g0, g1: the two gradient rows (first 2q entries written).
FTM_ALWAYS_INLINE void maxPool2x2RowBackBody(const float* r0, const float* r1, const float* gy, float* g0, float* g1,
                                             int64_t q) {
  for (int64_t j = 0; j < q; ++j) {
    const float a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
    const bool bw = winsOver(b, a);
    const float m1 = bw ? b : a;
    const bool cw = winsOver(c, m1);
    const float m2 = cw ? c : m1;
    const bool dw = winsOver(d, m2);
    const float g = gy[j];
    // Hand g down the chain d, c, b, a: the last winner takes it (selects, no branches).
    const float gd = dw ? g : 0.0f, r1 = dw ? 0.0f : g;
    const float gc = cw ? r1 : 0.0f, r2 = cw ? 0.0f : r1;
    const float gb = bw ? r2 : 0.0f, ga = bw ? 0.0f : r2;
    g0[2 * j] = ga;
    g0[2 * j + 1] = gb;
    g1[2 * j] = gc;
    g1[2 * j + 1] = gd;
  }
}
FTM_MULTIVERSION(maxPool2x2RowBack, (const float* r0, const float* r1, const float* gy, float* g0, float* g1, int64_t q),
                 (r0, r1, gy, g0, g1, q))

// 2x2 stride-2 unpadded average, one output row.
FTM_ALWAYS_INLINE void avgPool2x2RowBody(const float* r0, const float* r1, float* out, int64_t q) {
  for (int64_t j = 0; j < q; ++j) out[j] = (r0[2 * j] + r0[2 * j + 1] + r1[2 * j] + r1[2 * j + 1]) * 0.25f;
}
FTM_MULTIVERSION(avgPool2x2Row, (const float* r0, const float* r1, float* out, int64_t q), (r0, r1, out, q))

// Its gradient: gy: (q) -> g: (2q), g[2j] = g[2j+1] = gy[j] / 4 (written to both rows by the caller).
FTM_ALWAYS_INLINE void avgPool2x2RowBackBody(const float* gy, float* g, int64_t q) {
  for (int64_t j = 0; j < q; ++j) {
    const float v = gy[j] * 0.25f;
    g[2 * j] = v;
    g[2 * j + 1] = v;
  }
}
FTM_MULTIVERSION(avgPool2x2RowBack, (const float* gy, float* g, int64_t q), (gy, g, q))

// acc[i] = the NaN-sticky max of acc[i] and row[i] (the vertical pass of a general window).
FTM_ALWAYS_INLINE void columnMaxBody(const float* row, float* acc, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] = winsOver(row[i], acc[i]) ? row[i] : acc[i];
}
FTM_MULTIVERSION(columnMax, (const float* row, float* acc, int64_t n), (row, acc, n))

// acc[i] += row[i]
FTM_ALWAYS_INLINE void columnSumBody(const float* row, float* acc, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] += row[i];
}
FTM_MULTIVERSION(columnSum, (const float* row, float* acc, int64_t n), (row, acc, n))

// A per-thread scratch row reused across calls.
float* scratchRow(size_t n) {
  thread_local std::vector<float> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

// General windows, one plane, separably: the window rows of output row p are reduced into a
// scratch row (vectorised), then each output reduces its columns of that row. Every window
// holds at least one input pixel (padding <= kernel/2), so the max never sees only padding.
template <bool isMax>
void poolPlaneSeparable(const float* xp, float* yp, const Pool2dShape& s) {
  float* acc = scratchRow(static_cast<size_t>(s.w));
  const float inv = 1.0f / static_cast<float>(s.kernelH * s.kernelW);
  for (int64_t p = 0; p < s.p; ++p) {
    const int64_t h0 = p * s.strideH - s.padH;
    const int64_t hs = std::max<int64_t>(h0, 0), he = std::min(h0 + s.kernelH, s.h);
    std::memcpy(acc, xp + hs * s.w, sizeof(float) * static_cast<size_t>(s.w));
    for (int64_t h = hs + 1; h < he; ++h) {
      if (isMax) columnMaxDispatch(xp + h * s.w, acc, s.w);
      else columnSumDispatch(xp + h * s.w, acc, s.w);
    }
    float* out = yp + p * s.q;
    for (int64_t q = 0; q < s.q; ++q) {
      const int64_t w0 = q * s.strideW - s.padW;
      const int64_t ws = std::max<int64_t>(w0, 0), we = std::min(w0 + s.kernelW, s.w);
      float m = acc[ws];
      for (int64_t w = ws + 1; w < we; ++w) {
        if (isMax) m = winsOver(acc[w], m) ? acc[w] : m;
        else m += acc[w];
      }
      out[q] = isMax ? m : m * inv;
    }
  }
}

bool isTwoByTwo(const Pool2dShape& s) {
  return s.kernelH == 2 && s.kernelW == 2 && s.strideH == 2 && s.strideW == 2 && s.padH == 0 && s.padW == 0;
}

// Zeroes the gradient entries no 2x2 window covers (the last row / column of odd sizes) and
// the part of each covered row past 2Q.
void zeroUncovered2x2(float* gxp, const Pool2dShape& s) {
  if (s.w > 2 * s.q)
    for (int64_t h = 0; h < 2 * s.p; ++h)
      for (int64_t w = 2 * s.q; w < s.w; ++w) gxp[h * s.w + w] = 0.0f;
  if (s.h > 2 * s.p) std::memset(gxp + 2 * s.p * s.w, 0, sizeof(float) * static_cast<size_t>((s.h - 2 * s.p) * s.w));
}

}  // namespace

void maxPool2dForward(const float* x, float* y, const Pool2dShape& s) {
  const bool twoByTwo = isTwoByTwo(s);
  forEachPlane(s, [&](int64_t i) {
    const float* xp = x + i * s.h * s.w;
    float* yp = y + i * s.p * s.q;
    if (twoByTwo) {
      for (int64_t p = 0; p < s.p; ++p) {
        const float* r0 = xp + 2 * p * s.w;
        maxPool2x2RowDispatch(r0, r0 + s.w, yp + p * s.q, s.q);
      }
      return;
    }
    poolPlaneSeparable<true>(xp, yp, s);
  });
}

void maxPool2dBackward(const float* x, const float* gy, float* gx, const Pool2dShape& s) {
  const bool twoByTwo = isTwoByTwo(s);
  forEachPlane(s, [&](int64_t i) {
    const float* xp = x + i * s.h * s.w;
    const float* gp = gy + i * s.p * s.q;
    float* gxp = gx + i * s.h * s.w;
    if (twoByTwo) {
      for (int64_t p = 0; p < s.p; ++p) {
        const float* r0 = xp + 2 * p * s.w;
        float* g0 = gxp + 2 * p * s.w;
        maxPool2x2RowBackDispatch(r0, r0 + s.w, gp + p * s.q, g0, g0 + s.w, s.q);
      }
      zeroUncovered2x2(gxp, s);
      return;
    }
    std::memset(gxp, 0, sizeof(float) * static_cast<size_t>(s.h * s.w));
    for (int64_t p = 0; p < s.p; ++p)
      for (int64_t q = 0; q < s.q; ++q) {
        float m;
        const int64_t at = windowArgmax(xp, s, p, q, &m);
        if (at >= 0) gxp[at] += gp[p * s.q + q];
      }
  });
}

void avgPool2dForward(const float* x, float* y, const Pool2dShape& s) {
  const bool twoByTwo = isTwoByTwo(s);
  forEachPlane(s, [&](int64_t i) {
    const float* xp = x + i * s.h * s.w;
    float* yp = y + i * s.p * s.q;
    if (twoByTwo) {
      for (int64_t p = 0; p < s.p; ++p) {
        const float* r0 = xp + 2 * p * s.w;
        avgPool2x2RowDispatch(r0, r0 + s.w, yp + p * s.q, s.q);
      }
      return;
    }
    poolPlaneSeparable<false>(xp, yp, s);
  });
}

void avgPool2dBackward(const float* gy, float* gx, const Pool2dShape& s) {
  const bool twoByTwo = isTwoByTwo(s);
  const float inv = 1.0f / static_cast<float>(s.kernelH * s.kernelW);
  forEachPlane(s, [&](int64_t i) {
    const float* gp = gy + i * s.p * s.q;
    float* gxp = gx + i * s.h * s.w;
    if (twoByTwo) {
      for (int64_t p = 0; p < s.p; ++p) {
        float* g0 = gxp + 2 * p * s.w;
        avgPool2x2RowBackDispatch(gp + p * s.q, g0, s.q);
        std::memcpy(g0 + s.w, g0, sizeof(float) * static_cast<size_t>(2 * s.q));
      }
      zeroUncovered2x2(gxp, s);
      return;
    }
    std::memset(gxp, 0, sizeof(float) * static_cast<size_t>(s.h * s.w));
    for (int64_t p = 0; p < s.p; ++p) {
      const int64_t h0 = p * s.strideH - s.padH;
      const int64_t hs = std::max<int64_t>(h0, 0), he = std::min(h0 + s.kernelH, s.h);
      for (int64_t q = 0; q < s.q; ++q) {
        const int64_t w0 = q * s.strideW - s.padW;
        const int64_t ws = std::max<int64_t>(w0, 0), we = std::min(w0 + s.kernelW, s.w);
        const float g = gp[p * s.q + q] * inv;
        for (int64_t h = hs; h < he; ++h)
          for (int64_t w = ws; w < we; ++w) gxp[h * s.w + w] += g;
      }
    }
  });
}

}  // namespace ftm
