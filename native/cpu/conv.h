// 2-D convolution (NCHW, groups = 1): forward, backward-data and backward-weight on the
// packed SGEMM with implicit im2col. The input may be several channel-concatenated sources
// (the fused feature-transfer op); conv2d* are the one-source case.
#pragma once
#include <cstdint>
#include <vector>

namespace ftm {

// x: (N,C,H,W), w: (K,C,R,S), stride (sh,sw), padding (ph,pw) -> y: (N,K,P,Q).
struct ConvShape {
  int64_t N, C, H, W;
  int64_t K, R, S;
  int64_t sh, sw, ph, pw;
  int64_t P, Q;
};

// Fills P and Q; throws std::invalid_argument when the output would be empty.
ConvShape makeConvShape(int64_t N, int64_t C, int64_t H, int64_t W, int64_t K, int64_t R, int64_t S,
                        int64_t sh, int64_t sw, int64_t ph, int64_t pw);

// One input source: (N, channels, H, W); sources are concatenated along channels.
struct ConvSource {
  const float* data;
  int64_t channels;
};

// xs -> y: (N,K,P,Q) = conv(concat(xs), w') + b (b may be null), then max(0, y) when relu, where
// w' = w with output channel k scaled by rowScale[k] (when given: batch norm folded in).
void convForwardSources(const ConvShape& s, const std::vector<ConvSource>& xs, const float* w, const float* b,
                        float* y, bool relu = false, const float* rowScale = nullptr);
// dy: (N,K,P,Q) -> dxs[i]: (N, channels[i], H, W) (overwritten; a null dxs[i] is skipped).
void convBackwardDataSources(const ConvShape& s, const float* dy, const float* w, const std::vector<float*>& dxs,
                             const std::vector<int64_t>& channels);
// xs, dy -> dw: (K,C,R,S) and db: (K) (overwritten; either may be null).
void convBackwardWeightSources(const ConvShape& s, const std::vector<ConvSource>& xs, const float* dy, float* dw,
                               float* db);

// x: (N,C,H,W), w: (K,C,R,S), b: (K) or null -> y: (N,K,P,Q) (then max(0, y) when relu)
void conv2dForward(const ConvShape& s, const float* x, const float* w, const float* b, float* y, bool relu = false,
                   const float* rowScale = nullptr);
// dy: (N,K,P,Q), w: (K,C,R,S) -> dx: (N,C,H,W)
void conv2dBackwardData(const ConvShape& s, const float* dy, const float* w, float* dx);
// x: (N,C,H,W), dy: (N,K,P,Q) -> dw: (K,C,R,S), db: (K) (either may be null)
void conv2dBackwardWeight(const ConvShape& s, const float* x, const float* dy, float* dw, float* db);

}  // namespace ftm
