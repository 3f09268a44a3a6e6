// Max and average pooling: parallel over (N*C) planes; each plane is a serial window loop.
#include "pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

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

// 2x2 stride-2 unpadded windows (the U-Net down step): a branch-free loop over output rows.
void maxPool2x2Plane(const float* x, float* y, const Pool2dShape& s) {
  for (int64_t p = 0; p < s.p; ++p) {
    const float* r0 = x + (2 * p) * s.w;
    const float* r1 = r0 + s.w;
    float* out = y + p * s.q;
    for (int64_t q = 0; q < s.q; ++q) {
      float m = r0[2 * q];
      if (takesMax(r0[2 * q + 1], m)) m = r0[2 * q + 1];
      if (takesMax(r1[2 * q], m)) m = r1[2 * q];
      if (takesMax(r1[2 * q + 1], m)) m = r1[2 * q + 1];
      out[q] = m;
    }
  }
}

}  // namespace

void maxPool2dForward(const float* x, float* y, const Pool2dShape& s) {
  const bool twoByTwo = s.kernelH == 2 && s.kernelW == 2 && s.strideH == 2 && s.strideW == 2 && s.padH == 0 &&
                        s.padW == 0;
  forEachPlane(s, [&](int64_t i) {
    const float* xp = x + i * s.h * s.w;
    float* yp = y + i * s.p * s.q;
    if (twoByTwo) {
      maxPool2x2Plane(xp, yp, s);
      return;
    }
    for (int64_t p = 0; p < s.p; ++p)
      for (int64_t q = 0; q < s.q; ++q) windowArgmax(xp, s, p, q, &yp[p * s.q + q]);
  });
}

void maxPool2dBackward(const float* x, const float* gy, float* gx, const Pool2dShape& s) {
  forEachPlane(s, [&](int64_t i) {
    const float* xp = x + i * s.h * s.w;
    const float* gp = gy + i * s.p * s.q;
    float* gxp = gx + i * s.h * s.w;
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
  const float inv = 1.0f / static_cast<float>(s.kernelH * s.kernelW);
  forEachPlane(s, [&](int64_t i) {
    const float* xp = x + i * s.h * s.w;
    float* yp = y + i * s.p * s.q;
    for (int64_t p = 0; p < s.p; ++p) {
      const int64_t h0 = p * s.strideH - s.padH;
      const int64_t hs = std::max<int64_t>(h0, 0), he = std::min(h0 + s.kernelH, s.h);
      for (int64_t q = 0; q < s.q; ++q) {
        const int64_t w0 = q * s.strideW - s.padW;
        const int64_t ws = std::max<int64_t>(w0, 0), we = std::min(w0 + s.kernelW, s.w);
        float sum = 0.0f;
        for (int64_t h = hs; h < he; ++h)
          for (int64_t w = ws; w < we; ++w) sum += xp[h * s.w + w];
        yp[p * s.q + q] = sum * inv;
      }
    }
  });
}

void avgPool2dBackward(const float* gy, float* gx, const Pool2dShape& s) {
  const float inv = 1.0f / static_cast<float>(s.kernelH * s.kernelW);
  forEachPlane(s, [&](int64_t i) {
    const float* gp = gy + i * s.p * s.q;
    float* gxp = gx + i * s.h * s.w;
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
