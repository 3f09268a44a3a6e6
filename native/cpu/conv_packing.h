// GEMM panel packer for backward-weight: B(k, j) = rows[j][k], the im2col matrix transposed,
// read through the band row pointers of PlaneGeometry (pixels along k, (channel, tap) rows along j).
#pragma once
#include <cstdint>

#include "gemm.h"

namespace ftm {

class TransposedRowsPacker : public BPacker {
 public:
  // rows[j] for j < count; pixels k < pixels are read (past that the panel holds zeros).
  TransposedRowsPacker(const float* const* rows, int64_t count, int64_t pixels)
      : rows_(rows), count_(count), pixels_(pixels) {}
  void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int nr, float* dst) const override;

 private:
  const float* const* rows_;
  int64_t count_, pixels_;
};

}  // namespace ftm
