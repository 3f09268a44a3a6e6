// CUDA twins of native/cpu/conv.h, feature_transfer.h and linear.h: same signatures, device
// pointers. The GEMMs run on the tensor cores in the precision set by setMatmulPrecision.
#pragma once
#include <cstdint>
#include <vector>

#include "../cpu/conv.h"

namespace ftm {
namespace cuda {

// 0 = FP32 (CUDA cores), 1 = TF32 (default), 2 = BF16 inputs; FP32 accumulation always.
void setMatmulPrecision(int precision);
int matmulPrecision();

void convForwardSources(const ConvShape& s, const std::vector<ConvSource>& xs, const float* w, const float* b,
                        float* y);
void convBackwardDataSources(const ConvShape& s, const float* dy, const float* w, const std::vector<float*>& dxs,
                             const std::vector<int64_t>& channels);
void convBackwardWeightSources(const ConvShape& s, const std::vector<ConvSource>& xs, const float* dy, float* dw,
                               float* db);

void conv2dForward(const ConvShape& s, const float* x, const float* w, const float* b, float* y);
void conv2dBackwardData(const ConvShape& s, const float* dy, const float* w, float* dx);
void conv2dBackwardWeight(const ConvShape& s, const float* x, const float* dy, float* dw, float* db);

void featureTransferForward(const ConvShape& s, const std::vector<ConvSource>& xs, const float* w,
                            const float* b, float* y);
void featureTransferBackward(const ConvShape& s, const std::vector<ConvSource>& xs, const float* w,
                             const float* dy, const std::vector<float*>& dxs, float* dw, float* db);

// x: (N, in), w: (out, in), b: (out) or null -> y: (N, out) = x w^T + b
void linearForward(int64_t N, int64_t in, int64_t out, const float* x, const float* w, const float* b, float* y);
// dy: (N, out) -> dx: (N, in), dw: (out, in), db: (out) (each may be null; overwritten)
void linearBackward(int64_t N, int64_t in, int64_t out, const float* x, const float* w, const float* dy,
                    float* dx, float* dw, float* db);

}  // namespace cuda
}  // namespace ftm
