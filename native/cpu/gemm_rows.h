// GEMM with B given as row pointers: C (M x n) = A (M x K, prepacked) * B, B(k, j) = rows[k][col + j].
// Convolutions use it on zero-bordered input planes, where each (channel, tap) row of the
// im2col matrix is a contiguous slice of a plane, so B is never packed or gathered.
#pragma once
#include <cstdint>

#include "gemm.h"

namespace ftm {

// c[0..mr)[0..nr) (row stride ldc) = (accumulate ? c : 0) + sum_k a[k*mr + i] * rows[k][col + j].
// Always reads and writes the full mr x nr tile: the caller pads rows and columns.
using RowsKernelFn = void (*)(int64_t kc, const float* a, const float* const* rows, int64_t col, float* c,
                              int64_t ldc, bool accumulate);

struct RowsKernel {
  const char* name;
  int mr, nr;  // mr equals gemmKernel().mr, so PrepackedA panels feed it directly
  RowsKernelFn fn;
};

// The rows kernel for this CPU (simdLevel()).
const RowsKernel& rowsKernel();

extern const RowsKernel kRowsKernelScalar;
#if defined(__x86_64__)
extern const RowsKernel kRowsKernelAvx2;
extern const RowsKernel kRowsKernelAvx512;
#endif

// Scratch tile for rows [m0, m0+mc) and columns [n0, n1) of C: c (row stride
// ldc >= roundUp(n1-n0, nr), at least roundUp(mc, mr) rows) = A * B over the whole K (blocked
// as PrepackedA was). m0 is a multiple of mr.
void gemmRowsSerial(int64_t m0, int64_t mc, int64_t K, const PrepackedA& a, const float* const* rows, int64_t n0,
                    int64_t n1, float* c, int64_t ldc);

}  // namespace ftm
