// Strided row copies (concat forward, split backward), parallel over rows and row chunks.
#include "shape.h"

#include <cstring>

#include "broadcast.h"

namespace ftm {

void copyRows(const float* src, int64_t srcOffset, int64_t srcStride, float* dst, int64_t dstOffset,
              int64_t dstStride, int64_t rows, int64_t rowLength) {
  parallelRowChunks(rows, rowLength, [&](int64_t r, int64_t b, int64_t e) {
    std::memcpy(dst + dstOffset + r * dstStride + b, src + srcOffset + r * srcStride + b,
                sizeof(float) * static_cast<size_t>(e - b));
  });
}

}  // namespace ftm
