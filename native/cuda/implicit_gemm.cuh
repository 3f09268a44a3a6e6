// One tiled GEMM kernel for every convolution pass: C (M x N) = A (M x Kd) * B (Kd x N), with A
// and B read element by element through a Problem (implicit im2col: nothing is materialised)
// and C written through the Problem's store (epilogue: bias, layout, split-K partials).
// Modes: Fp32 (CUDA cores, any arch), Tf32 and Bf16 (tensor cores via wmma, FP32 accumulate;
// sm_80+, falling back to the Fp32 path when compiled for an older arch).
#pragma once
#include <cuda_bf16.h>
#include <mma.h>

#include <type_traits>

#include "cuda_launch.h"

namespace ftm {
namespace cuda {

enum class MatmulPrecision : int { Fp32 = 0, Tf32 = 1, Bf16 = 2 };

constexpr int kGemmBM = 128, kGemmBN = 128, kGemmBK = 32, kGemmThreads = 256;

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#define FTM_TENSOR_CORES 1
#else
#define FTM_TENSOR_CORES 0
#endif

// Problem interface (all __device__):
//   int M, N, K;                 sizes; K is split into chunks of kChunk (one per blockIdx.z)
//   Row rowInfo(int m) const;    per-row context for A (computed once per thread)
//   float a(const Row&, int k) const;
//   Col colInfo(int n) const;    per-column context for B
//   float b(const Col&, int k) const;
//   void store(int m, int n, float v, int split) const;
template <class Problem, int Mode>
__global__ void __launch_bounds__(kGemmThreads) implicitGemmKernel(const Problem pb) {
  constexpr bool kBf16 = Mode == static_cast<int>(MatmulPrecision::Bf16);
  constexpr bool kWmma = Mode != static_cast<int>(MatmulPrecision::Fp32) && FTM_TENSOR_CORES;
  using T = typename std::conditional<kBf16, __nv_bfloat16, float>::type;
  constexpr int BM = kGemmBM, BN = kGemmBN, BK = kGemmBK;
  constexpr int PAD = kBf16 ? 8 : 4;
  __shared__ __align__(128) T As[BM][BK + PAD];
  __shared__ __align__(128) T Bs[BK][BN + PAD];

  const int t = threadIdx.x;
  const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
  const int kBegin = blockIdx.z * pb.kChunk;
  const int kEnd = min(pb.K, kBegin + pb.kChunk);

  // Loads: A row aRow, k = aK0 + i (16 consecutive); B column bCol, k = bK0 + 2i.
  const int aRow = t >> 1, aK0 = (t & 1) * 16;
  const int bCol = t & (BN - 1), bK0 = t >> 7;
  const bool aValid = m0 + aRow < pb.M;
  const bool bValid = n0 + bCol < pb.N;
  const auto arow = pb.rowInfo(aValid ? m0 + aRow : 0);
  const auto bcol = pb.colInfo(bValid ? n0 + bCol : 0);
  float ra[16], rb[16];
  auto load = [&](int kt) {
#pragma unroll
    for (int i = 0; i < 16; ++i) {
      const int k = kt + aK0 + i;
      ra[i] = (aValid && k < kEnd) ? pb.a(arow, k) : 0.0f;
    }
#pragma unroll
    for (int i = 0; i < 16; ++i) {
      const int k = kt + bK0 + 2 * i;
      rb[i] = (bValid && k < kEnd) ? pb.b(bcol, k) : 0.0f;
    }
  };
  auto convert = [](float v) -> T {
    if constexpr (kBf16) {
      return __float2bfloat16_rn(v);
    } else {
#if FTM_TENSOR_CORES
      if constexpr (kWmma) return nvcuda::wmma::__float_to_tf32(v);
#endif
      return v;
    }
  };

#if FTM_TENSOR_CORES
  // Tensor cores: 8 warps as 2 (rows of 64) x 4 (columns of 32); each warp 4 x 2 16x16 tiles.
  __shared__ __align__(128) float stage[kGemmThreads / 32][16 * 16];
  const int warp = t >> 5, lane = t & 31;
  const int wr = warp >> 2, wc = warp & 3;
  using namespace nvcuda;
  constexpr int KS = kBf16 ? 16 : 8;
  using FragT = typename std::conditional<kBf16, __nv_bfloat16, wmma::precision::tf32>::type;
  wmma::fragment<wmma::accumulator, 16, 16, KS, float> acc[4][2];
  if constexpr (kWmma) {
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
      for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);
  }
#endif
  // CUDA cores: thread (tx, ty) owns rows ty + 16i and columns tx + 16j.
  const int tx = t & 15, ty = t >> 4;
  float c[8][8];
  if constexpr (!kWmma) {
#pragma unroll
    for (int i = 0; i < 8; ++i)
#pragma unroll
      for (int j = 0; j < 8; ++j) c[i][j] = 0.0f;
  }

  if (kBegin < kEnd) load(kBegin);
  for (int kt = kBegin; kt < kEnd; kt += BK) {
#pragma unroll
    for (int i = 0; i < 16; ++i) As[aRow][aK0 + i] = convert(ra[i]);
#pragma unroll
    for (int i = 0; i < 16; ++i) Bs[bK0 + 2 * i][bCol] = convert(rb[i]);
    __syncthreads();
    if (kt + BK < kEnd) load(kt + BK);  // the next tile's loads overlap this tile's math
    if constexpr (kWmma) {
#if FTM_TENSOR_CORES
#pragma unroll
      for (int kk = 0; kk < BK; kk += KS) {
        wmma::fragment<wmma::matrix_a, 16, 16, KS, FragT, wmma::row_major> fa[4];
        wmma::fragment<wmma::matrix_b, 16, 16, KS, FragT, wmma::row_major> fb[2];
#pragma unroll
        for (int i = 0; i < 4; ++i) wmma::load_matrix_sync(fa[i], &As[wr * 64 + i * 16][kk], BK + PAD);
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(fb[j], &Bs[kk][wc * 32 + j * 16], BN + PAD);
#pragma unroll
        for (int i = 0; i < 4; ++i)
#pragma unroll
          for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
      }
#endif
    } else {
#pragma unroll 4
      for (int kk = 0; kk < BK; ++kk) {
        float a[8], b[8];
#pragma unroll
        for (int i = 0; i < 8; ++i) a[i] = static_cast<float>(As[ty + 16 * i][kk]);
#pragma unroll
        for (int j = 0; j < 8; ++j) b[j] = static_cast<float>(Bs[kk][tx + 16 * j]);
#pragma unroll
        for (int i = 0; i < 8; ++i)
#pragma unroll
          for (int j = 0; j < 8; ++j) c[i][j] = fmaf(a[i], b[j], c[i][j]);
      }
    }
    __syncthreads();
  }

  const int split = blockIdx.z;
  if constexpr (kWmma) {
#if FTM_TENSOR_CORES
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
      for (int j = 0; j < 2; ++j) {
        wmma::store_matrix_sync(stage[warp], acc[i][j], 16, wmma::mem_row_major);
        __syncwarp();
#pragma unroll
        for (int u = 0; u < 8; ++u) {
          const int e = lane * 8 + u;
          const int m = m0 + wr * 64 + i * 16 + (e >> 4);
          const int n = n0 + wc * 32 + j * 16 + (e & 15);
          if (m < pb.M && n < pb.N) pb.store(m, n, stage[warp][e], split);
        }
        __syncwarp();
      }
#endif
  } else {
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      const int m = m0 + ty + 16 * i;
      if (m >= pb.M) continue;
#pragma unroll
      for (int j = 0; j < 8; ++j) {
        const int n = n0 + tx + 16 * j;
        if (n < pb.N) pb.store(m, n, c[i][j], split);
      }
    }
  }
}

// How K is cut for a request of `splits` chunks: whole K tiles per chunk, no chunk empty.
struct SplitPlan {
  int splits;
  int kChunk;
};
inline SplitPlan planSplits(int K, int splits) {
  const int tiles = (K + kGemmBK - 1) / kGemmBK;
  if (tiles <= 0) return SplitPlan{1, kGemmBK};
  splits = splits < 1 ? 1 : (splits > tiles ? tiles : splits);
  const int perSplit = (tiles + splits - 1) / splits;
  return SplitPlan{(tiles + perSplit - 1) / perSplit, perSplit * kGemmBK};
}

// Launches the GEMM of `pb` with K cut by planSplits(pb.K, splits) (one chunk per blockIdx.z).
template <class Problem>
void launchImplicitGemm(Problem pb, int splits, MatmulPrecision precision, cudaStream_t stream) {
  const SplitPlan plan = planSplits(pb.K, splits);
  pb.kChunk = plan.kChunk;
  splits = plan.splits;
  const dim3 grid((pb.N + kGemmBN - 1) / kGemmBN, (pb.M + kGemmBM - 1) / kGemmBM, splits);
  switch (precision) {
    case MatmulPrecision::Fp32:
      implicitGemmKernel<Problem, 0><<<grid, kGemmThreads, 0, stream>>>(pb);
      break;
    case MatmulPrecision::Tf32:
      implicitGemmKernel<Problem, 1><<<grid, kGemmThreads, 0, stream>>>(pb);
      break;
    case MatmulPrecision::Bf16:
      implicitGemmKernel<Problem, 2><<<grid, kGemmThreads, 0, stream>>>(pb);
      break;
  }
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace ftm
