// Zero-bordered input planes for the rows GEMM (gemm_rows.h).
//
// A convolution-like pass reads out(i, j) += in(i*sy + oy[t], j*sx + ox[t]) for each tap t.
// The input is split into stride phases (a, b) = (oy mod sy, ox mod sx), one plane per
// (channel, phase), and each plane is copied with a zero border and a common row length Wg
// (rows end to end share the border between them: a read past a row's end finds the next
// row's left border).
// Output pixel (i, j) of the outH x Wg "grid" then reads, for tap t, element i*Wg + j of a row
// pointer into its plane: every im2col row is a contiguous slice, and the grid's columns
// j >= outW are computed and thrown away. Planes are built per band of output rows, by the
// thread that computes the band, so the data it multiplies sits in its own core's cache.
#pragma once
#include <cstdint>
#include <vector>

namespace ftm {

struct Taps {
  std::vector<int64_t> oy, ox;  // per tap offsets into the input
  int64_t sy = 1, sx = 1;       // input stride per output step
  int64_t count() const { return static_cast<int64_t>(oy.size()); }
};

// The bordered phase-plane layout for H x W inputs read through `taps` onto outH x outW.
class PlaneGeometry {
 public:
  PlaneGeometry(int64_t H, int64_t W, const Taps& taps, int64_t outH, int64_t outW);

  int64_t gridWidth() const { return Wg_; }
  int64_t phases() const { return phases_; }
  // Bordered rows a band of output rows [i0, i1) reads (from bandFirstRow(i0) on).
  int64_t bandRowCount(int64_t i0, int64_t i1) const { return i1 - i0 + uMax_ - uMin_; }
  // Floats of one channel's band of `rows` rows (all phases).
  int64_t bandFloats(int64_t rows) const { return phases_ * rows * Wg_; }
  // Floats a band buffer needs past its last channel (over-reads of dropped grid columns).
  int64_t tailFloats() const { return Wg_ + 64; }

  // Writes bordered rows [i0 + uMin + padTop, ... + rows) of every phase of one H x W input
  // plane to dst (phase slot s, row r at dst + (s*rows + r)*Wg).
  void fillBand(const float* plane, int64_t i0, int64_t rows, float* dst) const;
  // Row pointers (row c*T + t) for output rows from i0 on, into a band buffer holding
  // `channels` channel bands of `rows` rows each (as fillBand wrote them, one after another):
  // output pixel (i0 + i, j) of tap t reads out[c*T + t][i*Wg + j]. `taps` may be a subset of
  // the construction taps.
  void bandRows(const Taps& taps, const float* band, int64_t rows, int64_t channels, const float** out) const;

 private:
  int64_t H_, W_, sy_, sx_;
  int64_t uMin_ = 0, uMax_ = 0, padTop_ = 0, padLeft_ = 0, Wg_ = 0;
  std::vector<int> phaseIndex_;  // (a*sx + b) -> plane slot, -1 when no tap reads that phase
  int64_t phases_ = 0;
};

}  // namespace ftm
