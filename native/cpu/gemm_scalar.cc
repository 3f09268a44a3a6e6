// Portable SGEMM micro-kernel (4 x 16) for CPUs without AVX2.
#include "gemm_kernels.h"

namespace ftm {
namespace {

constexpr int MR = 4;
constexpr int NR = 16;

void kernelScalar(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int mr, int nr,
                  bool accumulate, const float* rowBias) {
  float acc[MR][NR];
  for (int i = 0; i < MR; ++i) {
    const float init = (!accumulate && rowBias != nullptr && i < mr) ? rowBias[i] : 0.0f;
    for (int j = 0; j < NR; ++j) acc[i][j] = init;
  }
  for (int64_t k = 0; k < kc; ++k) {
    const float* ak = a + k * MR;
    const float* bk = b + k * NR;
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) acc[i][j] += ak[i] * bk[j];
  }
  storeEdgeTile(&acc[0][0], NR, c, ldc, mr, nr, accumulate);
}

}  // namespace

const GemmKernel kGemmKernelScalar = {"scalar 4x16", MR, NR, 256, 128, 1024, kernelScalar};

}  // namespace ftm
