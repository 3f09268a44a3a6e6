// Convolution forward: y_n (K x grid) = W (K x CRS) * rows(x_n), with the bias, the optional
// per-channel weight scale (folded batch norm) and ReLU applied as each tile is stored.
// Stride-1 3x3 convolutions go to the Winograd path where winograd.h chooses it, 1x1 ones with
// few output channels to the streaming pass of conv_pointwise.h.
#include "conv.h"
#include "conv_passes.h"
#include "conv_pointwise.h"
#include "winograd.h"
#include "winograd_weights.h"

namespace ftm {

using namespace conv_detail;

void convForwardSources(const ConvShape& s, const std::vector<ConvSource>& xs, const float* w, const float* b,
                        float* y, bool relu, const float* rowScale) {
  if (pointwiseApplies(s)) return pointwiseForward(s, xs, w, b, y, relu, rowScale);
  // The fused inference conv (a row scale) keeps its Winograd weights, unless the cache is off.
  const bool keptWeights = rowScale != nullptr && winogradCacheLimit() > 0;
  if (const int m = winogradForwardTile(s, keptWeights))
    return winogradForwardSources(m, s, xs, w, b, y, relu, rowScale);
  const int64_t HW = s.H * s.W;
  const int64_t PQ = s.P * s.Q;
  const int64_t CRS = s.C * s.R * s.S;
  const Taps taps = forwardTaps(s);
  const ChannelMap channels(xs);
  const PlaneGeometry geo(s.H, s.W, taps, s.P, s.Q);
  GridTarget target{y, s.K * PQ, PQ, s.Q, 1, s.Q, b, relu};
  target.scale = rowScale;
  rowsGemmBatch(s.N, s.K, w, CRS, geo, s.C, [&](int64_t n, int64_t c) { return channels.plane(xs, n, c, HW); }, taps, s.P,
                target);
}

}  // namespace ftm
