// Launch helpers for the kernel files: the one stream, grid sizing, grid-stride loops.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "cuda_check.h"

namespace ftm {
namespace cuda {

// The stream every kernel and copy runs on (created by requireDevice()).
cudaStream_t stream();

constexpr int kThreads = 256;

// Blocks for a grid-stride loop over n elements (capped: the loop covers the rest).
inline unsigned gridFor(size_t n, int threads = kThreads) {
  const size_t blocks = (n + threads - 1) / threads;
  return static_cast<unsigned>(std::max<size_t>(1, std::min<size_t>(blocks, 65535u * 8u)));
}

}  // namespace cuda
}  // namespace ftm

// for (i = global thread; i < n; i += grid size), with 64-bit indices.
#define CUDA_GRID_LOOP(i, n)                                                               \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (int64_t)(n); \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)
