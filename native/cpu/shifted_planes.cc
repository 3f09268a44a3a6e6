// Zero-bordered phase planes: geometry, the copy in, and the row pointers.
#include "shifted_planes.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "memory_pool.h"
#include "strided_copy.h"

namespace ftm {
namespace {

int64_t floorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int64_t floorMod(int64_t a, int64_t b) { return a - floorDiv(a, b) * b; }
int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Floats read past the last plane: a row pointer's offset plus a full kernel tile of columns.
constexpr int64_t kTailTile = 64;

}  // namespace

ShiftedPlanes::ShiftedPlanes(int64_t images, int64_t channels, int64_t H, int64_t W, const Taps& taps,
                             int64_t outH, int64_t outW)
    : images_(images), channels_(channels), H_(H), W_(W), sy_(taps.sy), sx_(taps.sx) {
  if (taps.count() == 0) throw std::invalid_argument("ShiftedPlanes needs at least one tap");
  phaseIndex_.assign(static_cast<size_t>(sy_ * sx_), -1);
  int64_t uMin = 0, uMax = 0, vMin = 0, vMax = 0;
  for (int64_t t = 0; t < taps.count(); ++t) {
    const int64_t u = floorDiv(taps.oy[t], sy_), v = floorDiv(taps.ox[t], sx_);
    if (t == 0 || u < uMin) uMin = u;
    if (t == 0 || u > uMax) uMax = u;
    if (t == 0 || v < vMin) vMin = v;
    if (t == 0 || v > vMax) vMax = v;
    int& slot = phaseIndex_[static_cast<size_t>(floorMod(taps.oy[t], sy_) * sx_ + floorMod(taps.ox[t], sx_))];
    if (slot < 0) slot = static_cast<int>(phases_++);
  }
  padTop_ = std::max<int64_t>(0, -uMin);
  padLeft_ = std::max<int64_t>(0, -vMin);
  Hg_ = std::max<int64_t>(1, padTop_ + outH + std::max<int64_t>(uMax, 0));
  Wg_ = std::max<int64_t>(1, padLeft_ + outW + std::max<int64_t>(vMax, 0));
  planeSize_ = Hg_ * Wg_;
  const int64_t floats = images_ * channels_ * phases_ * planeSize_ + Wg_ + 2 * kTailTile;
  data_ = static_cast<float*>(poolAlloc(static_cast<size_t>(floats) * sizeof(float)));
  std::memset(data_ + floats - Wg_ - 2 * kTailTile, 0, sizeof(float) * static_cast<size_t>(Wg_ + 2 * kTailTile));
}

ShiftedPlanes::~ShiftedPlanes() { poolFree(data_); }

void ShiftedPlanes::fill(int64_t n, int64_t c, const float* plane) {
  for (int64_t a = 0; a < sy_; ++a)
    for (int64_t b = 0; b < sx_; ++b) {
      const int slot = phaseIndex_[static_cast<size_t>(a * sx_ + b)];
      if (slot < 0) continue;
      float* dst = data_ + ((n * channels_ + c) * phases_ + slot) * planeSize_;
      // Grid column g reads input column sx*(g - padLeft) + b, valid in [0, W).
      const int64_t gLo = std::min(padLeft_, Wg_);
      const int64_t gHi = std::min(Wg_, padLeft_ + std::max<int64_t>(0, ceilDiv(W_ - b, sx_)));
      for (int64_t m = 0; m < Hg_; ++m) {
        float* row = dst + m * Wg_;
        const int64_t srcRow = sy_ * (m - padTop_) + a;
        if (srcRow < 0 || srcRow >= H_ || gHi <= gLo) {
          std::memset(row, 0, sizeof(float) * static_cast<size_t>(Wg_));
          continue;
        }
        const float* src = plane + srcRow * W_ + b;
        std::memset(row, 0, sizeof(float) * static_cast<size_t>(gLo));
        copyStrided(row + gLo, src, gHi - gLo, sx_);
        std::memset(row + gHi, 0, sizeof(float) * static_cast<size_t>(Wg_ - gHi));
      }
    }
}

void ShiftedPlanes::rows(int64_t n, const Taps& taps, const float** out) const {
  const int64_t T = taps.count();
  for (int64_t t = 0; t < T; ++t) {
    const int64_t u = floorDiv(taps.oy[t], sy_), v = floorDiv(taps.ox[t], sx_);
    const int slot = phaseIndex_[static_cast<size_t>(floorMod(taps.oy[t], sy_) * sx_ + floorMod(taps.ox[t], sx_))];
    if (slot < 0) throw std::logic_error("ShiftedPlanes::rows: tap outside the planes' geometry");
    const float* base = data_ + (n * channels_ * phases_ + slot) * planeSize_ + (u + padTop_) * Wg_ + v + padLeft_;
    for (int64_t c = 0; c < channels_; ++c) out[c * T + t] = base + c * phases_ * planeSize_;
  }
}

}  // namespace ftm
