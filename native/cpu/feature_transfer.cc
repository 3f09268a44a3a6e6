// Feature transfer = the multi-source convolution passes of conv.cc, one source list.
#include "feature_transfer.h"

namespace ftm {

void featureTransferForward(const ConvShape& s, const std::vector<ConvSource>& xs, const float* w,
                            const float* b, float* y, bool relu, const float* rowScale) {
  convForwardSources(s, xs, w, b, y, relu, rowScale);
}

void featureTransferBackward(const ConvShape& s, const std::vector<ConvSource>& xs, const float* w,
                             const float* dy, const std::vector<float*>& dxs, float* dw, float* db) {
  std::vector<int64_t> channels;
  for (const ConvSource& x : xs) channels.push_back(x.channels);
  convBackwardDataSources(s, dy, w, dxs, channels);
  if (dw != nullptr || db != nullptr) convBackwardWeightSources(s, xs, dy, dw, db);
}

}  // namespace ftm
