// 1x1 convolutions with few output channels (the heads' last layers: mask logits, heatmap, box
// size and offset): a streaming pass over the input planes instead of the rows GEMM.
#pragma once
#include <vector>

#include "conv.h"

namespace ftm {

// Output channels up to which the streaming pass runs.
constexpr int64_t kPointwiseMaxOutputs = 4;

// Whether pointwiseForward takes this convolution: 1x1, stride 1, no padding, at most
// kPointwiseMaxOutputs output channels.
bool pointwiseApplies(const ConvShape& s);

// Same contract as convForwardSources for a shape pointwiseApplies to. Each output pixel is
// b[k] + sum over c of w'[k][c] * x[c] (w' scaled by rowScale when given), summed in channel
// order, then max(0, .) when relu; every input value is read once.
void pointwiseForward(const ConvShape& s, const std::vector<ConvSource>& xs, const float* w, const float* b, float* y,
                      bool relu, const float* rowScale);

}  // namespace ftm
