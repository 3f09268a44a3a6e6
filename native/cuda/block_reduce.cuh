// Deterministic block-wide sums (fixed tree over shared memory) for blocks of kThreads.
#pragma once
#include "cuda_launch.h"

namespace ftm {
namespace cuda {

// Every thread passes its value; thread 0 gets the block's sum (others get partial values).
template <class T>
__device__ __forceinline__ T blockSum(T v) {
  __shared__ T part[kThreads];
  part[threadIdx.x] = v;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
    __syncthreads();
  }
  const T total = part[0];
  __syncthreads();  // the buffer may be reused by the next call
  return total;
}

}  // namespace cuda
}  // namespace ftm
