// Implicit im2col packers: each packed row is a few contiguous (or strided) image-row
// segments with zeros where the patch leaves the image. Unit-stride rows use the AVX-512
// gather when the CPU has it.
#include "conv_packing.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "conv_packing_rows.h"
#include "cpu_features.h"
#include "transpose_avx512.h"

namespace ftm {
namespace {

constexpr int kMaxSegments = 64;

// Splits output pixels [p0, p0+count) into per-row segments; returns how many (at most
// kMaxSegments, or spills the rest into `spill` when a panel spans very narrow rows).
int splitSegments(int64_t p0, int64_t count, int64_t outW, PixelSegment* segs, std::vector<PixelSegment>& spill) {
  int n = 0;
  spill.clear();
  for (int64_t off = 0; off < count;) {
    const int64_t p = p0 + off;
    const int64_t i = p / outW;
    const int64_t j = p - i * outW;
    const int64_t len = std::min(outW - j, count - off);
    const PixelSegment s{i, j, len, off};
    if (n < kMaxSegments) segs[n] = s;
    else spill.push_back(s);
    ++n;
    off += len;
  }
  return n;
}

// Writes the values of one image row `row` (nullptr: outside the image) for output columns
// [j0, j0+len) to d[u], where column j reads row[j*sx + ox].
void gatherRow(const float* row, int64_t W, int64_t sx, int64_t ox, int64_t j0, int64_t len, float* d) {
  if (row == nullptr) {
    std::fill(d, d + len, 0.0f);
    return;
  }
  // Valid j: 0 <= j*sx + ox < W.
  int64_t jlo = ox >= 0 ? 0 : (-ox + sx - 1) / sx;
  int64_t jhi = (W - 1 - ox) >= 0 ? (W - 1 - ox) / sx + 1 : 0;
  jlo = std::min(std::max(jlo, j0), j0 + len);
  jhi = std::max(std::min(jhi, j0 + len), jlo);
  const int64_t ulo = jlo - j0, uhi = jhi - j0;
  std::fill(d, d + ulo, 0.0f);
  if (sx == 1) {
    std::memcpy(d + ulo, row + jlo + ox, sizeof(float) * (uhi - ulo));
  } else {
    const float* s = row + jlo * sx + ox;
    for (int64_t u = ulo; u < uhi; ++u, s += sx) d[u] = *s;
  }
  std::fill(d + uhi, d + len, 0.0f);
}

// Rows [k0, k0+kc) of the column matrix over the segments' pixels, row kk at dst + kk*ldd.
void gatherPatchRows(const ConvPatches& p, int64_t k0, int64_t kc, const PixelSegment* segs,
                     const std::vector<PixelSegment>& spill, int nseg, float* dst, int64_t ldd) {
#if defined(__x86_64__)
  if (p.sx == 1 && nseg <= kMaxSegments && simdLevel() == SimdLevel::Avx512) {
    gatherPatchRowsAvx512(p, k0, kc, segs, nseg, dst, ldd);
    return;
  }
#endif
  const int64_t taps = static_cast<int64_t>(p.oy.size());
  int64_t c = k0 / taps;
  int64_t t = k0 - c * taps;
  for (int64_t kk = 0; kk < kc; ++kk) {
    const float* plane = p.planes[c];
    float* d = dst + kk * ldd;
    for (int s = 0; s < nseg; ++s) {
      const PixelSegment& g = s < kMaxSegments ? segs[s] : spill[s - kMaxSegments];
      const int64_t iy = g.i * p.sy + p.oy[t];
      const float* row = (iy >= 0 && iy < p.H) ? plane + iy * p.W : nullptr;
      gatherRow(row, p.W, p.sx, p.ox[t], g.j0, g.len, d + g.off);
    }
    if (++t == taps) {
      t = 0;
      ++c;
    }
  }
}

}  // namespace

void PatchColumnsPacker::pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int nr, float* dst) const {
  const int64_t N = p_.pixels();
  PixelSegment segs[kMaxSegments];
  std::vector<PixelSegment> spill;
  for (int64_t jr = 0; jr < nc; jr += nr) {
    float* panel = dst + jr * kc;
    const int64_t cols = std::max<int64_t>(0, std::min<int64_t>(std::min<int64_t>(nr, nc - jr), N - (n0 + jr)));
    const int nseg = splitSegments(n0 + jr, cols, p_.outW, segs, spill);
    gatherPatchRows(p_, k0, kc, segs, spill, nseg, panel, nr);
    if (cols < nr)
      for (int64_t kk = 0; kk < kc; ++kk) std::fill(panel + kk * nr + cols, panel + (kk + 1) * nr, 0.0f);
  }
}

void PatchRowsPacker::pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int nr, float* dst) const {
  const int64_t rowsTotal = p_.rows();
  PixelSegment segs[kMaxSegments];
  std::vector<PixelSegment> spill;
  const int nseg = splitSegments(k0, kc, p_.outW, segs, spill);
  // Gather nr column-matrix rows over the kc pixels, then transpose them into the panel.
  float* rows = threadScratch(2, static_cast<size_t>(nr * kc));
  for (int64_t jr = 0; jr < nc; jr += nr) {
    float* panel = dst + jr * kc;
    const int64_t cols = std::max<int64_t>(0, std::min<int64_t>(std::min<int64_t>(nr, nc - jr), rowsTotal - (n0 + jr)));
    if (cols > 0) gatherPatchRows(p_, n0 + jr, cols, segs, spill, nseg, rows, kc);
#if defined(__x86_64__)
    if (simdLevel() == SimdLevel::Avx512) {
      for (int64_t jg = 0; jg < cols; jg += 16)
        for (int64_t kb = 0; kb < kc; kb += 16)
          transposeBlock16Avx512(rows + jg * kc + kb, kc, static_cast<int>(std::min<int64_t>(16, cols - jg)),
                                 static_cast<int>(std::min<int64_t>(16, kc - kb)), panel + kb * nr + jg, nr);
      if (cols < nr)
        for (int64_t kk = 0; kk < kc; ++kk) std::fill(panel + kk * nr + cols, panel + (kk + 1) * nr, 0.0f);
      continue;
    }
#endif
    for (int64_t kb = 0; kb < kc; kb += 16) {
      const int64_t ke = std::min<int64_t>(kc, kb + 16);
      for (int64_t j = 0; j < cols; ++j) {
        const float* src = rows + j * kc;
        for (int64_t kk = kb; kk < ke; ++kk) panel[kk * nr + j] = src[kk];
      }
      for (int64_t kk = kb; kk < ke; ++kk)
        for (int64_t j = cols; j < nr; ++j) panel[kk * nr + j] = 0.0f;
    }
  }
}

}  // namespace ftm
