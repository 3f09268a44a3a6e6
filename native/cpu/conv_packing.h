// Implicit im2col: GEMM panel packers that read convolution patches straight from one image
// of one or more channel-concatenated sources, so no column buffer is ever built.
#pragma once
#include <cstdint>
#include <vector>

#include "gemm.h"

namespace ftm {

// One image seen through a set of kernel taps: the virtual column matrix has a row per
// (channel c, tap t) (row = c*taps + t) and a column per output pixel (i, j) of an
// outH x outW grid, holding plane(c)[(i*sy + oy[t]) * W + j*sx + ox[t]], or 0 outside the image.
struct ConvPatches {
  std::vector<const float*> planes;  // per channel: the H x W plane of this image
  int64_t H = 0, W = 0;
  std::vector<int64_t> oy, ox;       // per tap offsets
  int64_t sy = 1, sx = 1;
  int64_t outH = 0, outW = 0;
  int64_t rows() const { return static_cast<int64_t>(planes.size() * oy.size()); }
  int64_t pixels() const { return outH * outW; }
};

// B = the column matrix (K = channels*taps, N = pixels): forward conv, backward-data.
class PatchColumnsPacker : public BPacker {
 public:
  explicit PatchColumnsPacker(const ConvPatches& p) : p_(p) {}
  void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int nr, float* dst) const override;

 private:
  const ConvPatches& p_;
};

// B = the column matrix transposed (K = pixels, N = channels*taps): backward-weight.
class PatchRowsPacker : public BPacker {
 public:
  explicit PatchRowsPacker(const ConvPatches& p) : p_(p) {}
  void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int nr, float* dst) const override;

 private:
  const ConvPatches& p_;
};

}  // namespace ftm
