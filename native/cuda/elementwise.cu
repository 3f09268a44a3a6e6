// Elementwise, broadcast, reduce-to-shape and row-copy kernels on the GPU (twins of
// native/cpu/elementwise.cc, reduce.cc, shape.cc). Reductions are deterministic: a fixed
// per-thread order and a fixed tree.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "cuda_device.h"
#include "cuda_elementwise.h"
#include "cuda_launch.h"

namespace ftm {
namespace cuda {
namespace {

constexpr int kMaxRank = 8;

// Output sizes and, per operand, element strides (0 where broadcast), innermost last.
struct Strides {
  int rank;
  int64_t size[kMaxRank];
  int64_t a[kMaxRank];
  int64_t b[kMaxRank];
};

void checkRank(size_t rank) {
  if (rank > static_cast<size_t>(kMaxRank))
    throw std::invalid_argument("the CUDA broadcast kernels take tensors of rank <= 8, not " + std::to_string(rank));
}

// Strides of `shape` (same rank as out, sizes equal or 1) with 0 on broadcast dims.
void broadcastStrides(const std::vector<int64_t>& shape, const std::vector<int64_t>& out, int64_t* strides) {
  if (shape.size() != out.size()) throw std::invalid_argument("broadcast: shapes of different rank");
  int64_t step = 1;
  for (size_t r = out.size(); r-- > 0;) {
    if (shape[r] != out[r] && shape[r] != 1) throw std::invalid_argument("broadcast: incompatible shapes");
    strides[r] = shape[r] == 1 ? 0 : step;
    step *= shape[r];
  }
}

int64_t product(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (int64_t v : s) n *= v;
  return n;
}

__device__ __forceinline__ void offsets(const Strides& st, int64_t i, int64_t& oa, int64_t& ob) {
  oa = 0;
  ob = 0;
  for (int r = st.rank - 1; r >= 0; --r) {
    const int64_t c = i % st.size[r];
    i /= st.size[r];
    oa += c * st.a[r];
    ob += c * st.b[r];
  }
}

__global__ void reluForwardKernel(const float* x, float* y, size_t n) {
  CUDA_GRID_LOOP(i, n) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}
__global__ void reluBackwardKernel(const float* x, const float* gy, float* gx, size_t n) {
  CUDA_GRID_LOOP(i, n) gx[i] = x[i] > 0.0f ? gy[i] : 0.0f;
}
__global__ void sigmoidForwardKernel(const float* x, float* y, size_t n) {
  CUDA_GRID_LOOP(i, n) y[i] = 1.0f / (1.0f + expf(-x[i]));
}
__global__ void sigmoidBackwardKernel(const float* y, const float* gy, float* gx, size_t n) {
  CUDA_GRID_LOOP(i, n) gx[i] = gy[i] * y[i] * (1.0f - y[i]);
}
__global__ void affineKernel(const float* x, float* y, size_t n, float s, float c) {
  CUDA_GRID_LOOP(i, n) y[i] = x[i] * s + c;
}
__global__ void scaleByScalarKernel(const float* x, const float* scalar, float* y, size_t n) {
  const float s = *scalar;
  CUDA_GRID_LOOP(i, n) y[i] = x[i] * s;
}

template <int Op>
__global__ void binaryKernel(const float* a, const float* b, float* y, Strides st, int64_t n) {
  CUDA_GRID_LOOP(i, n) {
    int64_t oa, ob;
    offsets(st, i, oa, ob);
    const float u = a[oa], v = b[ob];
    y[i] = Op == 0 ? u + v : (Op == 1 ? u - v : u * v);
  }
}

// y[i] = scale * x[offset(i)] (st.a: x's strides over the output).
__global__ void broadcastToKernel(const float* x, float* y, Strides st, int64_t n, float scale) {
  CUDA_GRID_LOOP(i, n) {
    int64_t ox, unused;
    offsets(st, i, ox, unused);
    y[i] = x[ox] * scale;
  }
}

// Reduce-to-shape: the output's kept dims (st.size/st.a: sizes and g strides of the kept dims,
// over the output) and the reduced dims (red.size/red.a: sizes and g strides).
__device__ __forceinline__ int64_t reducedOffset(const Strides& red, int64_t r) {
  int64_t o = 0;
  for (int d = red.rank - 1; d >= 0; --d) {
    const int64_t c = r % red.size[d];
    r /= red.size[d];
    o += c * red.a[d];
  }
  return o;
}

__global__ void sumToShapeSerialKernel(const float* g, float* y, Strides kept, Strides red, int64_t outN,
                                       int64_t redN, float scale) {
  CUDA_GRID_LOOP(o, outN) {
    int64_t base, unused;
    offsets(kept, o, base, unused);
    float acc = 0.0f;
    for (int64_t r = 0; r < redN; ++r) acc += g[base + reducedOffset(red, r)];
    y[o] = acc * scale;
  }
}

__global__ void sumToShapeBlockKernel(const float* g, float* y, Strides kept, Strides red, int64_t outN,
                                      int64_t redN, float scale) {
  __shared__ float part[kThreads];
  for (int64_t o = blockIdx.x; o < outN; o += gridDim.x) {
    int64_t base, unused;
    offsets(kept, o, base, unused);
    float acc = 0.0f;
    for (int64_t r = threadIdx.x; r < redN; r += blockDim.x) acc += g[base + reducedOffset(red, r)];
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
      if (threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
      __syncthreads();
    }
    if (threadIdx.x == 0) y[o] = part[0] * scale;
    __syncthreads();
  }
}

// lowbias32 (Wellons), as native/cpu/elementwise.cc: mask[i] depends only on (seed, i).
__device__ __forceinline__ uint32_t hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

__global__ void dropoutMaskKernel(float* mask, size_t n, float p, float keep, uint32_t key0, uint32_t key1) {
  CUDA_GRID_LOOP(i, n) {
    const uint32_t h = hash32(hash32(static_cast<uint32_t>(i) ^ key0) + key1);
    const float u = static_cast<float>(static_cast<int32_t>(h >> 8)) * (1.0f / 16777216.0f);
    mask[i] = u < p ? 0.0f : keep;
  }
}

uint64_t hostMix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

void reluForward(const float* x, float* y, size_t n) {
  if (n == 0) return;
  reluForwardKernel<<<gridFor(n), kThreads, 0, stream()>>>(x, y, n);
  CUDA_CHECK_LAUNCH();
}

void reluBackward(const float* x, const float* gy, float* gx, size_t n) {
  if (n == 0) return;
  reluBackwardKernel<<<gridFor(n), kThreads, 0, stream()>>>(x, gy, gx, n);
  CUDA_CHECK_LAUNCH();
}

void sigmoidForward(const float* x, float* y, size_t n) {
  if (n == 0) return;
  sigmoidForwardKernel<<<gridFor(n), kThreads, 0, stream()>>>(x, y, n);
  CUDA_CHECK_LAUNCH();
}

void sigmoidBackward(const float* y, const float* gy, float* gx, size_t n) {
  if (n == 0) return;
  sigmoidBackwardKernel<<<gridFor(n), kThreads, 0, stream()>>>(y, gy, gx, n);
  CUDA_CHECK_LAUNCH();
}

void affineScalar(const float* x, float* y, size_t n, float s, float c) {
  if (n == 0) return;
  affineKernel<<<gridFor(n), kThreads, 0, stream()>>>(x, y, n, s, c);
  CUDA_CHECK_LAUNCH();
}

void scaleByDeviceScalar(const float* x, const float* scalar, float* y, size_t n) {
  if (n == 0) return;
  scaleByScalarKernel<<<gridFor(n), kThreads, 0, stream()>>>(x, scalar, y, n);
  CUDA_CHECK_LAUNCH();
}

void binaryBroadcast(BinaryOp op, const float* a, const std::vector<int64_t>& aShape, const float* b,
                     const std::vector<int64_t>& bShape, float* y, const std::vector<int64_t>& outShape) {
  checkRank(outShape.size());
  Strides st{};
  st.rank = static_cast<int>(outShape.size());
  for (int r = 0; r < st.rank; ++r) st.size[r] = outShape[r];
  broadcastStrides(aShape, outShape, st.a);
  broadcastStrides(bShape, outShape, st.b);
  const int64_t n = product(outShape);
  if (n == 0) return;
  cudaStream_t s = stream();
  switch (op) {
    case BinaryOp::Add: binaryKernel<0><<<gridFor(n), kThreads, 0, s>>>(a, b, y, st, n); break;
    case BinaryOp::Sub: binaryKernel<1><<<gridFor(n), kThreads, 0, s>>>(a, b, y, st, n); break;
    case BinaryOp::Mul: binaryKernel<2><<<gridFor(n), kThreads, 0, s>>>(a, b, y, st, n); break;
  }
  CUDA_CHECK_LAUNCH();
}

void dropoutMask(float* mask, size_t n, float p, uint64_t seed) {
  if (n == 0) return;
  const uint64_t k = hostMix64(seed ^ 0x9e3779b97f4a7c15ULL);
  dropoutMaskKernel<<<gridFor(n), kThreads, 0, stream()>>>(mask, n, p, 1.0f / (1.0f - p), static_cast<uint32_t>(k),
                                                           static_cast<uint32_t>(k >> 32));
  CUDA_CHECK_LAUNCH();
}

void sumToShape(const float* g, const std::vector<int64_t>& gShape, float* y,
                const std::vector<int64_t>& targetShape, float scale) {
  checkRank(gShape.size());
  if (targetShape.size() != gShape.size()) throw std::invalid_argument("sumToShape: shapes of different rank");
  int64_t strides[kMaxRank];
  int64_t step = 1;
  for (size_t r = gShape.size(); r-- > 0;) {
    strides[r] = step;
    step *= gShape[r];
  }
  // Kept dims: over the output, with g's strides; reduced dims: sizes and g's strides.
  Strides kept{}, red{};
  for (size_t r = 0; r < gShape.size(); ++r) {
    if (targetShape[r] == gShape[r]) {
      kept.size[kept.rank] = gShape[r];
      kept.a[kept.rank++] = strides[r];
    } else if (targetShape[r] == 1) {
      red.size[red.rank] = gShape[r];
      red.a[red.rank++] = strides[r];
    } else {
      throw std::invalid_argument("sumToShape: target sizes must equal g's or be 1");
    }
  }
  const int64_t outN = product(targetShape);
  const int64_t redN = step / std::max<int64_t>(1, outN);
  if (outN == 0) return;
  cudaStream_t s = stream();
  if (redN < 64 || outN >= 65536) {
    sumToShapeSerialKernel<<<gridFor(outN), kThreads, 0, s>>>(g, y, kept, red, outN, redN, scale);
  } else {
    const unsigned blocks = static_cast<unsigned>(std::min<int64_t>(outN, 65535));
    sumToShapeBlockKernel<<<blocks, kThreads, 0, s>>>(g, y, kept, red, outN, redN, scale);
  }
  CUDA_CHECK_LAUNCH();
}

void broadcastTo(const float* x, const std::vector<int64_t>& xShape, float* y,
                 const std::vector<int64_t>& outShape, float scale) {
  checkRank(outShape.size());
  Strides st{};
  st.rank = static_cast<int>(outShape.size());
  for (int r = 0; r < st.rank; ++r) st.size[r] = outShape[r];
  broadcastStrides(xShape, outShape, st.a);
  const int64_t n = product(outShape);
  if (n == 0) return;
  broadcastToKernel<<<gridFor(n), kThreads, 0, stream()>>>(x, y, st, n, scale);
  CUDA_CHECK_LAUNCH();
}

void copyRows(const float* src, int64_t srcOffset, int64_t srcStride, float* dst, int64_t dstOffset,
              int64_t dstStride, int64_t rows, int64_t rowLength) {
  if (rows <= 0 || rowLength <= 0) return;
  CUDA_CHECK(cudaMemcpy2DAsync(dst + dstOffset, static_cast<size_t>(dstStride) * sizeof(float), src + srcOffset,
                               static_cast<size_t>(srcStride) * sizeof(float),
                               static_cast<size_t>(rowLength) * sizeof(float), static_cast<size_t>(rows),
                               cudaMemcpyDeviceToDevice, stream()));
}

}  // namespace cuda
}  // namespace ftm
