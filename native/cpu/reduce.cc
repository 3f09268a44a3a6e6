// Sum-to-shape and broadcast-to kernels: coalesced strided loops, split over the thread pool
// along a kept dim (disjoint outputs) or a reduced dim (per-thread partial sums).
#if defined(__GNUC__) && !defined(__clang__)
// FP ops never trap here, so compare-and-select loops may be if-converted and vectorised.
#pragma GCC optimize("no-trapping-math")
#endif
#include "reduce.h"

#include <algorithm>
#include <cstring>

#include "broadcast.h"
#include "simd_dispatch.h"
#include "thread_pool.h"

namespace ftm {
namespace {

// Sum of a contiguous row with 16 independent accumulators (vectorises; pairwise-like error).
FTM_ALWAYS_INLINE float rowSumBody(const float* x, int64_t n, float* out) {
  float acc[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; ++j) acc[j] += x[i + j];
  float s = 0.0f;
  for (; i < n; ++i) s += x[i];
  for (int j = 0; j < 16; ++j) s += acc[j];
  *out = s;
  return s;
}
FTM_MULTIVERSION(rowSum, (const float* x, int64_t n, float* out), (x, n, out))

FTM_ALWAYS_INLINE void addRowBody(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}
FTM_MULTIVERSION(addRow, (const float* x, float* y, int64_t n), (x, y, n))

FTM_ALWAYS_INLINE void scaleRowBody(const float* x, int64_t sx, float* y, int64_t n, float scale) {
  if (sx == 0) {
    const float v = x[0] * scale;
    for (int64_t i = 0; i < n; ++i) y[i] = v;
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale;
  }
}
FTM_MULTIVERSION(scaleRow, (const float* x, int64_t sx, float* y, int64_t n, float scale), (x, sx, y, n, scale))

using Dims = std::vector<LoopDim<2>>;  // operand 0: g (contiguous), operand 1: target (0 = reduced)

// Serial: y[target offsets] += g over all of dims (y already holds partial sums or zeros).
void accumulate(const float* g, float* y, const Dims& dims) {
  const LoopDim<2>& in = dims.back();
  int64_t rows = 1;
  for (size_t r = 0; r + 1 < dims.size(); ++r) rows *= dims[r].size;
  for (int64_t row = 0; row < rows; ++row) {
    int64_t off[2];
    rowOffsets<2>(dims, row, off);
    if (in.stride[1] == 0) {
      float s;
      rowSumDispatch(g + off[0], in.size, &s);
      y[off[1]] += s;
    } else {
      addRowDispatch(g + off[0], y + off[1], in.size);
    }
  }
}

}  // namespace

void sumToShape(const float* g, const std::vector<int64_t>& gShape, float* y,
                const std::vector<int64_t>& targetShape, float scale) {
  const std::vector<int64_t> shapes[2] = {gShape, targetShape};
  Dims dims = coalesceDims<2>(gShape, shapes);
  int64_t total = 1, targetSize = 1;
  for (int64_t s : gShape) total *= s;
  for (int64_t s : targetShape) targetSize *= s;
  std::memset(y, 0, sizeof(float) * static_cast<size_t>(targetSize));
  if (dims.empty()) {
    y[0] = g[0] * scale;
    return;
  }
  const int64_t threads = numThreads();
  int kept = -1, reduced = -1;
  for (size_t r = 0; r < dims.size(); ++r) {
    int& best = dims[r].stride[1] == 0 ? reduced : kept;
    if (best < 0 || dims[r].size > dims[best].size) best = static_cast<int>(r);
  }
  if (total < kParallelMinElements || threads <= 1) {
    accumulate(g, y, dims);
  } else if (kept >= 0 && (reduced < 0 || dims[kept].size >= 4 * threads || targetSize * threads * 4 > total)) {
    // Split a kept dim: every thread owns a disjoint slice of y.
    const int64_t n = dims[kept].size;
    parallelFor(static_cast<size_t>(n), [&](size_t b, size_t e, int) {
      Dims part = dims;
      part[kept].size = static_cast<int64_t>(e - b);
      accumulate(g + static_cast<int64_t>(b) * dims[kept].stride[0],
                 y + static_cast<int64_t>(b) * dims[kept].stride[1], part);
    });
  } else {
    // Split a reduced dim: per-thread partial sums of the (small) target, then add them up.
    const int64_t n = dims[reduced].size;
    std::vector<float> partial(static_cast<size_t>(threads * targetSize), 0.0f);
    parallelFor(static_cast<size_t>(n), [&](size_t b, size_t e, int t) {
      Dims part = dims;
      part[reduced].size = static_cast<int64_t>(e - b);
      accumulate(g + static_cast<int64_t>(b) * dims[reduced].stride[0], partial.data() + t * targetSize, part);
    });
    for (int64_t t = 0; t < threads; ++t) addRowDispatch(partial.data() + t * targetSize, y, targetSize);
  }
  if (scale != 1.0f) scaleRowDispatch(y, 1, y, targetSize, scale);
}

void broadcastTo(const float* x, const std::vector<int64_t>& xShape, float* y,
                 const std::vector<int64_t>& outShape, float scale) {
  const std::vector<int64_t> shapes[2] = {outShape, xShape};
  const Dims dims = coalesceDims<2>(outShape, shapes);
  if (dims.empty()) {
    y[0] = x[0] * scale;
    return;
  }
  const LoopDim<2>& in = dims.back();
  int64_t rows = 1;
  for (size_t r = 0; r + 1 < dims.size(); ++r) rows *= dims[r].size;
  parallelRowChunks(rows, in.size, [&](int64_t row, int64_t begin, int64_t end) {
    int64_t off[2];
    rowOffsets<2>(dims, row, off);
    scaleRowDispatch(x + off[1] + begin * in.stride[1], in.stride[1], y + off[0] + begin, end - begin, scale);
  });
}

}  // namespace ftm
