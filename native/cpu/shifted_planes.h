// Zero-bordered input planes for the rows GEMM (gemm_rows.h).
//
// A convolution-like pass reads out(i, j) += in(i*sy + oy[t], j*sx + ox[t]) for each tap t.
// The input is split into stride phases (a, b) = (oy mod sy, ox mod sx), one plane per
// (channel, phase), and each plane is copied into a buffer with a zero border and a common
// row length Wg. Output pixel (i, j) of the outH x Wg "grid" then reads, for tap t, element
// i*Wg + j of a row pointer into its plane: every im2col row is a contiguous slice, and the
// grid's columns j >= outW are computed and thrown away.
#pragma once
#include <cstdint>
#include <vector>

namespace ftm {

struct Taps {
  std::vector<int64_t> oy, ox;  // per tap offsets into the input
  int64_t sy = 1, sx = 1;       // input stride per output step
  int64_t count() const { return static_cast<int64_t>(oy.size()); }
};

class ShiftedPlanes {
 public:
  // Geometry for `images` images of `channels` planes of H x W, read through every tap of
  // `taps` onto an outH x outW output (later rows() calls may use a subset of the taps).
  ShiftedPlanes(int64_t images, int64_t channels, int64_t H, int64_t W, const Taps& taps, int64_t outH,
                int64_t outW);
  ~ShiftedPlanes();
  ShiftedPlanes(const ShiftedPlanes&) = delete;
  ShiftedPlanes& operator=(const ShiftedPlanes&) = delete;

  // Copies channel c of image n (an H x W plane) into its phase planes; call for every
  // (n, c), from any thread.
  void fill(int64_t n, int64_t c, const float* plane);
  // Fills every plane: planeOf(n, c) gives the source plane (in parallel over the pool).
  template <typename PlaneOf>
  void fillAll(PlaneOf planeOf);

  // Row pointers for image n, row c*T + t (T = taps.count()), into out[0, channels*T).
  void rows(int64_t n, const Taps& taps, const float** out) const;

  int64_t gridWidth() const { return Wg_; }
  int64_t gridPixels(int64_t outH) const { return outH * Wg_; }

 private:
  int64_t images_, channels_, H_, W_, sy_, sx_;
  int64_t padTop_ = 0, padLeft_ = 0, Hg_ = 0, Wg_ = 0, planeSize_ = 0;
  std::vector<int> phaseIndex_;  // (a*sx + b) -> plane slot, -1 when no tap reads that phase
  int64_t phases_ = 0;
  float* data_ = nullptr;
  void fillRange(int64_t begin, int64_t end, const std::vector<const float*>& planes);
};

}  // namespace ftm

#include "thread_pool.h"

namespace ftm {

template <typename PlaneOf>
void ShiftedPlanes::fillAll(PlaneOf planeOf) {
  const size_t units = static_cast<size_t>(images_ * channels_);
  const auto work = [&](size_t begin, size_t end, int) {
    for (size_t u = begin; u < end; ++u) {
      const int64_t n = static_cast<int64_t>(u) / channels_;
      const int64_t c = static_cast<int64_t>(u) % channels_;
      fill(n, c, planeOf(n, c));
    }
  };
  // Small copies stay on the calling thread: waking the pool costs more than it saves.
  if (images_ * channels_ * planeSize_ * phases_ < (1 << 15)) work(0, units, 0);
  else parallelFor(units, work);
}

}  // namespace ftm
