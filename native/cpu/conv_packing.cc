// Implicit im2col packers: each packed row is a few contiguous (or strided) image-row
// segments with zeros where the patch leaves the image.
#include "conv_packing.h"

#include <algorithm>
#include <cstring>

namespace ftm {
namespace {

// A run of consecutive output pixels on one output row i: columns [j0, j0+len), written at
// packed offset `off`.
struct Segment {
  int64_t i, j0, len, off;
};

// Splits output pixels [p0, p0+count) into per-row segments.
int splitSegments(int64_t p0, int64_t count, int64_t outW, Segment* segs, int maxSegs,
                  std::vector<Segment>& spill) {
  int n = 0;
  spill.clear();
  int64_t off = 0;
  while (off < count) {
    const int64_t p = p0 + off;
    const int64_t i = p / outW;
    const int64_t j = p % outW;
    const int64_t len = std::min(outW - j, count - off);
    const Segment s{i, j, len, off};
    if (n < maxSegs) segs[n] = s;
    else spill.push_back(s);
    ++n;
    off += len;
  }
  return n;
}

// Writes the values of one image row `row` (nullptr: outside the image) for output columns
// [j0, j0+len) at d[u*step], u = 0..len-1, where column j reads row[j*sx + ox].
inline void gatherRow(const float* row, int64_t W, int64_t sx, int64_t ox, int64_t j0, int64_t len,
                      float* d, int64_t step) {
  if (row == nullptr) {
    for (int64_t u = 0; u < len; ++u) d[u * step] = 0.0f;
    return;
  }
  // Valid j: 0 <= j*sx + ox < W.
  int64_t jlo = ox >= 0 ? 0 : (-ox + sx - 1) / sx;
  int64_t jhi = (W - 1 - ox) >= 0 ? (W - 1 - ox) / sx + 1 : 0;
  jlo = std::min(std::max(jlo, j0), j0 + len);
  jhi = std::max(std::min(jhi, j0 + len), jlo);
  int64_t u = 0;
  for (; u < jlo - j0; ++u) d[u * step] = 0.0f;
  const int64_t uhi = jhi - j0;
  if (step == 1 && sx == 1) {
    const float* s = row + j0 + u + ox;
    std::memcpy(d + u, s, sizeof(float) * (uhi - u));
    u = uhi;
  } else {
    const float* s = row + (j0 + u) * sx + ox;
    for (; u < uhi; ++u, s += sx) d[u * step] = *s;
  }
  for (; u < len; ++u) d[u * step] = 0.0f;
}

}  // namespace

void PatchColumnsPacker::pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int nr, float* dst) const {
  const ConvPatches& p = p_;
  const int64_t taps = static_cast<int64_t>(p.oy.size());
  const int64_t N = p.pixels();
  constexpr int kMaxSegs = 64;
  Segment segs[kMaxSegs];
  std::vector<Segment> spill;
  for (int64_t jr = 0; jr < nc; jr += nr) {
    float* panel = dst + jr * kc;
    const int64_t cols = std::max<int64_t>(0, std::min<int64_t>(std::min<int64_t>(nr, nc - jr), N - (n0 + jr)));
    const int nseg = splitSegments(n0 + jr, cols, p.outW, segs, kMaxSegs, spill);
    for (int64_t kk = 0; kk < kc; ++kk) {
      const int64_t k = k0 + kk;
      const int64_t c = k / taps;
      const int64_t t = k - c * taps;
      const float* plane = p.planes[c];
      const int64_t oy = p.oy[t];
      const int64_t ox = p.ox[t];
      float* d = panel + kk * nr;
      for (int s = 0; s < nseg; ++s) {
        const Segment& g = s < kMaxSegs ? segs[s] : spill[s - kMaxSegs];
        const int64_t iy = g.i * p.sy + oy;
        const float* row = (iy >= 0 && iy < p.H) ? plane + iy * p.W : nullptr;
        gatherRow(row, p.W, p.sx, ox, g.j0, g.len, d + g.off, 1);
      }
      for (int64_t j = cols; j < nr; ++j) d[j] = 0.0f;
    }
  }
}

void PatchRowsPacker::pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int nr, float* dst) const {
  const ConvPatches& p = p_;
  const int64_t taps = static_cast<int64_t>(p.oy.size());
  const int64_t rowsTotal = p.rows();
  constexpr int kMaxSegs = 64;
  Segment segs[kMaxSegs];
  std::vector<Segment> spill;
  const int nseg = splitSegments(k0, kc, p.outW, segs, kMaxSegs, spill);
  for (int64_t jr = 0; jr < nc; jr += nr) {
    float* panel = dst + jr * kc;
    const int64_t cols = std::max<int64_t>(0, std::min<int64_t>(std::min<int64_t>(nr, nc - jr), rowsTotal - (n0 + jr)));
    for (int64_t j = 0; j < cols; ++j) {
      const int64_t r = n0 + jr + j;
      const int64_t c = r / taps;
      const int64_t t = r - c * taps;
      const float* plane = p.planes[c];
      for (int s = 0; s < nseg; ++s) {
        const Segment& g = s < kMaxSegs ? segs[s] : spill[s - kMaxSegs];
        const int64_t iy = g.i * p.sy + p.oy[t];
        const float* row = (iy >= 0 && iy < p.H) ? plane + iy * p.W : nullptr;
        gatherRow(row, p.W, p.sx, p.ox[t], g.j0, g.len, panel + g.off * nr + j, nr);
      }
    }
    for (int64_t j = cols; j < nr; ++j)
      for (int64_t kk = 0; kk < kc; ++kk) panel[kk * nr + j] = 0.0f;
  }
}

}  // namespace ftm
