// The element loops of the sigmoid losses over one contiguous segment, vectorised (exp/log
// polynomials on SIMD lanes) with AVX-512, AVX2 and baseline versions chosen per CPU.
#pragma once
#include <cstddef>

namespace ftm {

struct LossSegmentKernels {
  // x, t: (len) -> sum of (1-t)*x + (1+(pw-1)*t)*softplus(-x); dx (len, or null) = its
  // derivative times gradScale.
  double (*bce)(const float* x, const float* t, size_t len, float pw, float gradScale, float* dx);
  // x, t: (len) -> sum of the CenterNet focal terms with alpha = 2, beta = 4; *positives gets
  // the number of t == 1; dx (len, or null) = the derivative of each term (unnormalised).
  double (*focalDefault)(const float* x, const float* t, size_t len, size_t* positives, float* dx);
  // x, t: (len) -> out[0] = sum(p*t), out[1] = sum(p), out[2] = sum(t) with p = sigmoid(x);
  // p is stored in probs (len) when it is not null.
  void (*sigmoidSums)(const float* x, const float* t, size_t len, double* out, float* probs);
};

const LossSegmentKernels& lossSegmentKernels();

}  // namespace ftm
