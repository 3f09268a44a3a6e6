// Zero-bordered phase planes: geometry, the copy in, and the row pointers.
#include "shifted_planes.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "strided_copy.h"

namespace ftm {
namespace {

int64_t floorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int64_t floorMod(int64_t a, int64_t b) { return a - floorDiv(a, b) * b; }
int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

PlaneGeometry::PlaneGeometry(int64_t H, int64_t W, const Taps& taps, int64_t outH, int64_t outW)
    : H_(H), W_(W), sy_(taps.sy), sx_(taps.sx) {
  if (taps.count() == 0) throw std::invalid_argument("PlaneGeometry needs at least one tap");
  phaseIndex_.assign(static_cast<size_t>(sy_ * sx_), -1);
  int64_t vMin = 0, vMax = 0;
  for (int64_t t = 0; t < taps.count(); ++t) {
    const int64_t u = floorDiv(taps.oy[t], sy_), v = floorDiv(taps.ox[t], sx_);
    if (t == 0 || u < uMin_) uMin_ = u;
    if (t == 0 || u > uMax_) uMax_ = u;
    if (t == 0 || v < vMin) vMin = v;
    if (t == 0 || v > vMax) vMax = v;
    int& slot = phaseIndex_[static_cast<size_t>(floorMod(taps.oy[t], sy_) * sx_ + floorMod(taps.ox[t], sx_))];
    if (slot < 0) slot = static_cast<int>(phases_++);
  }
  padTop_ = std::max<int64_t>(0, -uMin_);
  padLeft_ = std::max<int64_t>(0, -vMin);
  // Rows are laid end to end and share their borders: a read past a row's right end lands in
  // the next row's left border (or the band's zeroed tail), which holds zeros as long as it
  // overshoots by at most padLeft columns, i.e. Wg >= outW + vMax. The row must also hold every
  // input column a tap can reach. On a 16 x 16 plane under a 3x3 pad-1 kernel that is 17 grid
  // columns per row instead of 18 (a border on each side): 6% fewer computed and dropped.
  const int64_t reach = outW + std::max<int64_t>(vMax, 0);
  int64_t columns = 0;  // input columns of the widest phase
  for (int64_t b = 0; b < sx_; ++b) columns = std::max(columns, ceilDiv(W_ - b, sx_));
  Wg_ = std::max<int64_t>({1, reach, padLeft_ + std::min(columns, reach)});
  (void)outH;
}

void PlaneGeometry::fillBand(const float* plane, int64_t i0, int64_t rows, float* dst) const {
  const int64_t m0 = i0 + uMin_ + padTop_;  // first bordered row of the band
  for (int64_t a = 0; a < sy_; ++a)
    for (int64_t b = 0; b < sx_; ++b) {
      const int slot = phaseIndex_[static_cast<size_t>(a * sx_ + b)];
      if (slot < 0) continue;
      float* out = dst + slot * rows * Wg_;
      // Grid column g reads input column sx*(g - padLeft) + b, valid in [0, W).
      const int64_t gLo = std::min(padLeft_, Wg_);
      const int64_t gHi = std::min(Wg_, padLeft_ + std::max<int64_t>(0, ceilDiv(W_ - b, sx_)));
      for (int64_t r = 0; r < rows; ++r) {
        float* row = out + r * Wg_;
        const int64_t srcRow = sy_ * (m0 + r - padTop_) + a;
        if (srcRow < 0 || srcRow >= H_ || gHi <= gLo) {
          std::memset(row, 0, sizeof(float) * static_cast<size_t>(Wg_));
          continue;
        }
        // The borders are a float or two: plain loops, not library calls.
        for (int64_t g = 0; g < gLo; ++g) row[g] = 0.0f;
        copyStrided(row + gLo, plane + srcRow * W_ + b, gHi - gLo, sx_);
        for (int64_t g = gHi; g < Wg_; ++g) row[g] = 0.0f;
      }
    }
}

void PlaneGeometry::bandRows(const Taps& taps, const float* band, int64_t rows, int64_t channels,
                             const float** out) const {
  const int64_t T = taps.count();
  const int64_t channelFloats = bandFloats(rows);
  for (int64_t t = 0; t < T; ++t) {
    const int64_t u = floorDiv(taps.oy[t], sy_), v = floorDiv(taps.ox[t], sx_);
    const int slot = phaseIndex_[static_cast<size_t>(floorMod(taps.oy[t], sy_) * sx_ + floorMod(taps.ox[t], sx_))];
    if (slot < 0 || u < uMin_ || u > uMax_) throw std::logic_error("PlaneGeometry::bandRows: tap outside the geometry");
    const float* base = band + (slot * rows + u - uMin_) * Wg_ + v + padLeft_;
    for (int64_t c = 0; c < channels; ++c) out[c * T + t] = base + c * channelFloats;
  }
}

}  // namespace ftm
