// CUDA twins of native/cpu/norm.h, pool.h and resize.h (same signatures, device pointers).
// The optimizer kernels are declared in cuda_optim.h.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../cpu/norm.h"
#include "../cpu/pool.h"

namespace ftm {
namespace cuda {

void batchNormForward(const float* x, BatchNormShape s, const float* weight, const float* bias,
                      float* runningMean, float* runningVar, bool training, double momentum,
                      double eps, float* y, float* saveMean, float* saveInvStd);
void batchNormBackward(const float* x, const float* dy, BatchNormShape s, const float* weight,
                       const float* saveMean, const float* saveInvStd, bool training, float* dx,
                       float* dweight, float* dbias);

void maxPool2dForward(const float* x, float* y, const Pool2dShape& s);
void maxPool2dBackward(const float* x, const float* gy, float* gx, const Pool2dShape& s);
void avgPool2dForward(const float* x, float* y, const Pool2dShape& s);
void avgPool2dBackward(const float* gy, float* gx, const Pool2dShape& s);

void upsampleNearestForward(const float* x, float* y, int64_t n, int64_t c, int64_t h, int64_t w,
                            int64_t scaleH, int64_t scaleW);
void upsampleNearestBackward(const float* gy, float* gx, int64_t n, int64_t c, int64_t h, int64_t w,
                             int64_t scaleH, int64_t scaleW);
void upsampleBilinearForward(const float* x, float* y, int64_t n, int64_t c, int64_t h, int64_t w,
                             int64_t scaleH, int64_t scaleW);
void upsampleBilinearBackward(const float* gy, float* gx, int64_t n, int64_t c, int64_t h, int64_t w,
                              int64_t scaleH, int64_t scaleW);

}  // namespace cuda
}  // namespace ftm
