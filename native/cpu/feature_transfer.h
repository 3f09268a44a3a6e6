// The fused feature-transfer op: y = conv2d(concat(xs, channels), w, b) without building the
// concatenation; the backward writes each source's gradient straight into its own buffer.
#pragma once
#include <cstdint>
#include <vector>

#include "conv.h"

namespace ftm {

// xs[i]: (N, C_i, H, W), w: (K, sum C_i, R, S), b: (K) or null -> y: (N, K, P, Q)
void featureTransferForward(const ConvShape& s, const std::vector<ConvSource>& xs, const float* w,
                            const float* b, float* y, bool relu = false, const float* rowScale = nullptr);
// dy: (N,K,P,Q) -> dxs[i]: (N, C_i, H, W) (null entries skipped), dw: (K, sum C_i, R, S), db: (K)
// (dw / db may be null).
void featureTransferBackward(const ConvShape& s, const std::vector<ConvSource>& xs, const float* w,
                             const float* dy, const std::vector<float*>& dxs, float* dw, float* db);

}  // namespace ftm
