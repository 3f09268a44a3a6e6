// Strided iteration over broadcast shapes: aligns shapes numpy-style, drops size-1 dims and
// merges adjacent dims so the innermost loop is as long as possible.
#pragma once
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "thread_pool.h"

namespace ftm {

// One loop dimension: its size and, per operand, its element stride (0 = broadcast).
template <int K>
struct LoopDim {
  int64_t size;
  int64_t stride[K];
};

// Coalesced loop over `outShape`; operand k has `shapes[k]` (same rank as outShape, each size
// equal to outShape's or 1). Operand 0 is usually the output itself. The result never has
// size-1 dims; an empty result means a single element.
template <int K>
std::vector<LoopDim<K>> coalesceDims(const std::vector<int64_t>& outShape,
                                     const std::vector<int64_t> (&shapes)[K]) {
  const size_t rank = outShape.size();
  int64_t contiguous[K];
  std::vector<LoopDim<K>> dims(rank);
  for (int k = 0; k < K; ++k) {
    if (shapes[k].size() != rank) throw std::invalid_argument("broadcast: shapes of different rank");
    contiguous[k] = 1;
  }
  for (size_t r = rank; r-- > 0;) {
    dims[r].size = outShape[r];
    for (int k = 0; k < K; ++k) {
      const int64_t s = shapes[k][r];
      if (s != outShape[r] && s != 1) throw std::invalid_argument("broadcast: incompatible shapes");
      dims[r].stride[k] = (s == 1) ? 0 : contiguous[k];
      contiguous[k] *= s;
    }
  }
  std::vector<LoopDim<K>> out;
  for (const auto& d : dims) {
    if (d.size == 1) continue;
    if (!out.empty()) {
      LoopDim<K>& prev = out.back();
      bool merge = true;
      for (int k = 0; k < K; ++k) merge = merge && prev.stride[k] == d.stride[k] * d.size;
      if (merge) {
        prev.size *= d.size;
        for (int k = 0; k < K; ++k) prev.stride[k] = d.stride[k];
        continue;
      }
    }
    out.push_back(d);
  }
  return out;
}

// Offsets of row `row` (an index over all dims but the innermost) for every operand.
template <int K>
inline void rowOffsets(const std::vector<LoopDim<K>>& dims, int64_t row, int64_t (&off)[K]) {
  for (int k = 0; k < K; ++k) off[k] = 0;
  for (size_t r = dims.size() - 1; r-- > 0;) {
    const int64_t i = row % dims[r].size;
    row /= dims[r].size;
    for (int k = 0; k < K; ++k) off[k] += i * dims[r].stride[k];
  }
}

// Below this many elements a kernel runs on the calling thread (waking workers costs more).
constexpr int64_t kParallelMinElements = 1 << 15;

// Splits `rows` rows of `inner` elements into chunks over the thread pool and calls
// fn(row, begin, end) for each piece [begin, end) of a row.
template <class Fn>
void parallelRowChunks(int64_t rows, int64_t inner, Fn&& fn) {
  const int64_t total = rows * inner;
  const int64_t threads = numThreads();
  if (total < kParallelMinElements || threads <= 1) {
    for (int64_t r = 0; r < rows; ++r) fn(r, int64_t{0}, inner);
    return;
  }
  // Chunks of at least ~8K elements, enough of them to balance the threads.
  const int64_t perRow = std::max<int64_t>(1, std::min<int64_t>((inner + 8191) / 8192, (threads * 4 + rows - 1) / rows));
  const int64_t step = (inner + perRow - 1) / perRow;
  parallelFor(static_cast<size_t>(rows * perRow), [&](size_t b, size_t e, int) {
    for (size_t t = b; t < e; ++t) {
      const int64_t r = static_cast<int64_t>(t) / perRow;
      const int64_t c = static_cast<int64_t>(t) % perRow;
      const int64_t begin = c * step;
      const int64_t end = std::min(inner, begin + step);
      if (begin < end) fn(r, begin, end);
    }
  });
}

}  // namespace ftm
