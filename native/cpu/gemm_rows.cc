// Rows-GEMM driver and the portable kernel.
#include "gemm_rows.h"

#include <algorithm>
#include <stdexcept>

#include "cpu_features.h"

namespace ftm {
namespace {

int64_t roundUpTo(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

constexpr int kScalarMr = 4;
constexpr int kScalarNr = 16;

void kernelScalar(int64_t kc, const float* const* a, int64_t aStep, const float* const* rows, int64_t col, float* c,
                  int64_t ldc, bool accumulate) {
  float acc[kScalarMr][kScalarNr];
  for (int i = 0; i < kScalarMr; ++i)
    for (int j = 0; j < kScalarNr; ++j) acc[i][j] = accumulate ? c[i * ldc + j] : 0.0f;
  for (int64_t k = 0; k < kc; ++k) {
    const float* b = rows[k] + col;
    for (int i = 0; i < kScalarMr; ++i) {
      const float ai = a[i][k * aStep];
      for (int j = 0; j < kScalarNr; ++j) acc[i][j] += ai * b[j];
    }
  }
  for (int i = 0; i < kScalarMr; ++i)
    for (int j = 0; j < kScalarNr; ++j) c[i * ldc + j] = acc[i][j];
}

RowsKernel pickRowsKernel() {
#if defined(__x86_64__)
  switch (simdLevel()) {
    case SimdLevel::Avx512: return kRowsKernelAvx512;
    case SimdLevel::Avx2: return kRowsKernelAvx2;
    default: break;
  }
#endif
  return kRowsKernelScalar;
}

RowsKernel chooseRowsKernel() {
  const RowsKernel k = pickRowsKernel();
  // Packed weights are PrepackedA panels, laid out for the GEMM kernel's mr.
  if (k.mr != gemmKernel().mr) throw std::logic_error("rows kernel and GEMM kernel disagree on mr");
  return k;
}

}  // namespace

const RowsKernel kRowsKernelScalar = {"scalar 4x16 rows", kScalarMr, kScalarNr, kernelScalar};

const RowsKernel& rowsKernel() {
  static const RowsKernel k = chooseRowsKernel();
  return k;
}

void gemmRowsSerial(int64_t M, int64_t m0, int64_t mc, int64_t K, const float* a, int64_t lda,
                    const PrepackedA* packed, const float* const* rows, int64_t n0, int64_t n1, float* c,
                    int64_t ldc) {
  const RowsKernel& kern = rowsKernel();
  // K in equal blocks of at most 640 (PrepackedA's blocks): one block's B panel (kc rows of nr
  // floats) stays near L1 while the row panels of A stream past it.
  const int64_t kcBlock = gemmKBlock(gemmKernel(), K);
  // Rows of A past M read zeros (the packed panels hold their own).
  float* zeros = nullptr;
  if (packed == nullptr && m0 + roundUpTo(mc, kern.mr) > M) {
    zeros = threadScratch(6, static_cast<size_t>(K));
    std::fill(zeros, zeros + K, 0.0f);
  }
  const float* ap[16];
  for (int64_t pc = 0; pc < K; pc += kcBlock) {
    const int64_t kc = std::min(kcBlock, K - pc);
    for (int64_t jr = n0; jr < n1; jr += kern.nr) {
      // A last panel of at most one or two vectors runs the narrower kernel (an 8x8 plane's
      // 80-column grid: 48 + 32 columns instead of 96).
      const int64_t width = n1 - jr;
      RowsKernelFn fn = kern.fn;
      if (kern.lanes > 0 && width <= kern.lanes) fn = kern.narrow[0];
      else if (kern.lanes > 0 && width <= 2 * kern.lanes) fn = kern.narrow[1];
      for (int64_t ir = 0; ir < mc; ir += kern.mr) {
        if (packed != nullptr) {
          const float* panel = packed->pack(m0 + ir, kern.mr, pc, kc, kern.mr, nullptr);
          for (int i = 0; i < kern.mr; ++i) ap[i] = panel + i;
        } else {
          for (int i = 0; i < kern.mr; ++i) {
            const int64_t m = m0 + ir + i;
            ap[i] = (m < M ? a + m * lda : zeros) + pc;
          }
        }
        fn(kc, ap, packed != nullptr ? kern.mr : 1, rows + pc, jr, c + ir * ldc + (jr - n0), ldc, pc > 0);
      }
    }
  }
}

}  // namespace ftm
