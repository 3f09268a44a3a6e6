// Shape kernels: strided row copies, the building block of concat and of its gradient split.
#pragma once
#include <cstdint>

namespace ftm {

// For r in [0, rows): dst[dstOffset + r*dstStride + i] = src[srcOffset + r*srcStride + i],
// i in [0, rowLength). concat of (outer, D_k, inner) sources along the middle dim is one call
// per source with rows = outer, rowLength = D_k*inner, dstStride = (sum D)*inner.
void copyRows(const float* src, int64_t srcOffset, int64_t srcStride, float* dst, int64_t dstOffset,
              int64_t dstStride, int64_t rows, int64_t rowLength);

}  // namespace ftm
