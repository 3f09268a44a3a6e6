// CUDA twins of native/cpu/norm.h, pool.h, resize.h and optim.h (same signatures, device
// pointers; sumSquares returns its value to the host like the CPU one).
#pragma once
#include <cstddef>
#include <cstdint>

#include "../cpu/norm.h"
#include "../cpu/optim.h"
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

void sgdStep(float* p, const float* g, float* momentumBuf, size_t n, const SgdOptions& o);
void adamwStep(float* p, const float* g, float* m, float* v, size_t n, const AdamWOptions& o);
double sumSquares(const float* x, size_t n);
void scaleInPlace(float* x, size_t n, float s);

}  // namespace cuda
}  // namespace ftm
