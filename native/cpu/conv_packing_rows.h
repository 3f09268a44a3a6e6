// Internal to the im2col packers: output-pixel segments and the row gather they share
// (a portable version and an AVX-512 one chosen at run time).
#pragma once
#include <algorithm>
#include <cstdint>

#include "conv_packing.h"

namespace ftm {

// A run of consecutive output pixels on output row i: columns [j0, j0+len), written at
// offset `off` of a packed row.
struct PixelSegment {
  int64_t i, j0, len, off;
};

// Writes rows [k0, k0+kc) of the column matrix, restricted to the pixels the segments cover,
// to dst (row kk at dst + kk*ldd). Only for unit column stride (p.sx == 1).
void gatherPatchRowsAvx512(const ConvPatches& p, int64_t k0, int64_t kc, const PixelSegment* segs, int nseg,
                           float* dst, int64_t ldd);

}  // namespace ftm
