// Rows-GEMM driver and the portable kernel.
#include "gemm_rows.h"

#include <algorithm>

#include "cpu_features.h"

namespace ftm {
namespace {

constexpr int kScalarMr = 4;
constexpr int kScalarNr = 16;

void kernelScalar(int64_t kc, const float* a, const float* const* rows, int64_t col, float* c, int64_t ldc,
                  bool accumulate) {
  float acc[kScalarMr][kScalarNr];
  for (int i = 0; i < kScalarMr; ++i)
    for (int j = 0; j < kScalarNr; ++j) acc[i][j] = accumulate ? c[i * ldc + j] : 0.0f;
  for (int64_t k = 0; k < kc; ++k) {
    const float* b = rows[k] + col;
    for (int i = 0; i < kScalarMr; ++i) {
      const float ai = a[k * kScalarMr + i];
      for (int j = 0; j < kScalarNr; ++j) acc[i][j] += ai * b[j];
    }
  }
  for (int i = 0; i < kScalarMr; ++i)
    for (int j = 0; j < kScalarNr; ++j) c[i * ldc + j] = acc[i][j];
}

RowsKernel chooseRowsKernel() {
#if defined(__x86_64__)
  switch (simdLevel()) {
    case SimdLevel::Avx512: return kRowsKernelAvx512;
    case SimdLevel::Avx2: return kRowsKernelAvx2;
    default: break;
  }
#endif
  return kRowsKernelScalar;
}

}  // namespace

const RowsKernel kRowsKernelScalar = {"scalar 4x16 rows", kScalarMr, kScalarNr, kernelScalar};

const RowsKernel& rowsKernel() {
  static const RowsKernel k = chooseRowsKernel();
  return k;
}

void gemmRowsSerial(int64_t m0, int64_t mc, int64_t K, const PrepackedA& a, const float* const* rows, int64_t n0,
                    int64_t n1, float* c, int64_t ldc) {
  const RowsKernel& kern = rowsKernel();
  const GemmKernel& packing = gemmKernel();
  const int64_t kcBlock = gemmKBlock(packing, K);
  // Column panels outside, row panels inside: one B panel (a few KiB of planes) stays in L1
  // while the A panels stream past it.
  for (int64_t pc = 0; pc < K; pc += kcBlock) {
    const int64_t kc = std::min(kcBlock, K - pc);
    for (int64_t jr = n0; jr < n1; jr += kern.nr)
      for (int64_t ir = 0; ir < mc; ir += kern.mr)
        kern.fn(kc, a.pack(m0 + ir, kern.mr, pc, kc, kern.mr, nullptr), rows + pc, jr, c + ir * ldc + (jr - n0), ldc,
                pc > 0);
  }
}

}  // namespace ftm
