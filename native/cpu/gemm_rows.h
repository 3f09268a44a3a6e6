// GEMM with both operands read in place: C (M x n) = A (M x K, row-major) * B, where
// B(k, j) = rows[k][col + j]. Convolutions use it on zero-bordered input planes, where each
// (channel, tap) row of the im2col matrix is a contiguous slice of a plane, and on the weights
// as they are: nothing is packed or gathered (packing the weights cost more than the product
// itself on the small late-stage convs).
#pragma once
#include <cstdint>

#include "gemm.h"

namespace ftm {

// c[0..mr)[0..nr) (row stride ldc) = (accumulate ? c : 0) + sum_k a[i][k*aStep] * rows[k][col + j],
// aStep 1 (A read in place, row by row) or mr (a PrepackedA panel). Always reads and writes the
// full mr x nr tile: the caller pads rows and columns (a row of A past M points at zeros).
// gemmRowsSerial runs a narrow kernel (RowsKernel::narrow) on a last panel of one or two
// vectors: it reads and writes only those columns.
using RowsKernelFn = void (*)(int64_t kc, const float* const* a, int64_t aStep, const float* const* rows, int64_t col,
                              float* c, int64_t ldc, bool accumulate);

struct RowsKernel {
  const char* name;
  int mr, nr;  // mr equals gemmKernel().mr: packed weights are PrepackedA panels
  RowsKernelFn fn;
  // Narrower kernels for a last panel of at most lanes (narrow[0]) or 2*lanes (narrow[1])
  // columns, which then computes only that many (of nr): lanes 0 when there are none.
  int lanes = 0;
  RowsKernelFn narrow[2] = {nullptr, nullptr};
};

// The rows kernel for this CPU (simdLevel()).
const RowsKernel& rowsKernel();

extern const RowsKernel kRowsKernelScalar;
#if defined(__x86_64__)
extern const RowsKernel kRowsKernelAvx2;
extern const RowsKernel kRowsKernelAvx512;
#endif

// Scratch tile for rows [m0, m0+mc) of an M-row A and columns [n0, n1) of C: c (row stride
// ldc >= roundUp(n1-n0, nr), at least roundUp(mc, mr) rows) = A * B over the whole K. A is read
// from `packed` when given (m0 then a multiple of mr), else in place (row m at a + m*lda).
void gemmRowsSerial(int64_t M, int64_t m0, int64_t mc, int64_t K, const float* a, int64_t lda,
                    const PrepackedA* packed, const float* const* rows, int64_t n0, int64_t n1, float* c,
                    int64_t ldc);

}  // namespace ftm
