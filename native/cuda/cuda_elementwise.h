// CUDA twins of native/cpu/elementwise.h, reduce.h and shape.h (same signatures, device
// pointers), plus the scalar chain-rule step the losses need.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../cpu/elementwise.h"

namespace ftm {
namespace cuda {

void reluForward(const float* x, float* y, size_t n);
void reluBackward(const float* x, const float* gy, float* gx, size_t n);
void sigmoidForward(const float* x, float* y, size_t n);
void sigmoidBackward(const float* y, const float* gy, float* gx, size_t n);
void affineScalar(const float* x, float* y, size_t n, float s, float c);
void binaryBroadcast(BinaryOp op, const float* a, const std::vector<int64_t>& aShape, const float* b,
                     const std::vector<int64_t>& bShape, float* y, const std::vector<int64_t>& outShape);
// Same values as the CPU mask for the same (seed, i).
void dropoutMask(float* mask, size_t n, float p, uint64_t seed);
void sumToShape(const float* g, const std::vector<int64_t>& gShape, float* y,
                const std::vector<int64_t>& targetShape, float scale);
void broadcastTo(const float* x, const std::vector<int64_t>& xShape, float* y,
                 const std::vector<int64_t>& outShape, float scale);
void copyRows(const float* src, int64_t srcOffset, int64_t srcStride, float* dst, int64_t dstOffset,
              int64_t dstStride, int64_t rows, int64_t rowLength);
// x: (n), scalar: (1) on the device -> y: (n) = x * scalar[0] (no host round trip).
void scaleByDeviceScalar(const float* x, const float* scalar, float* y, size_t n);

}  // namespace cuda
}  // namespace ftm
