// CUDA twins of native/cpu/optim.h (same signatures, device pointers; sumSquares returns its
// value to the host like the CPU one).
#pragma once
#include <cstddef>

#include "../cpu/optim.h"

namespace ftm {
namespace cuda {

void sgdStep(float* p, const float* g, float* momentumBuf, size_t n, const SgdOptions& o);
void adamwStep(float* p, const float* g, float* m, float* v, size_t n, const AdamWOptions& o);
double sumSquares(const float* x, size_t n);
void scaleInPlace(float* x, size_t n, float s);

}  // namespace cuda
}  // namespace ftm
