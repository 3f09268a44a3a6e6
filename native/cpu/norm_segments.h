// The inner loops of batch normalisation over one contiguous segment of a channel, with
// AVX-512, AVX2 and portable versions chosen once per process by CPU feature detection.
#pragma once
#include <cstddef>

namespace ftm {

struct NormSegmentKernels {
  // x: (len) -> out[0] = sum(x - shift), out[1] = sum((x - shift)^2)
  void (*moments)(const float* x, size_t len, float shift, double* out);
  // x: (len) -> y: (len) = a*x + b
  void (*affine)(const float* x, size_t len, float a, float b, float* y);
  // x: (len) -> y: (len) = max(0, a*x + b)
  void (*affineRelu)(const float* x, size_t len, float a, float b, float* y);
  // x, dy: (len) -> out[0] = sum(dy), out[1] = sum(dy * (x - mean))
  void (*gradSums)(const float* x, const float* dy, size_t len, float mean, double* out);
  // x, dy: (len) -> dx: (len) = k*dy + p*(x - mean) + q
  void (*gradInput)(const float* x, const float* dy, size_t len, float mean, float k, float p, float q, float* dx);
  // The same two through the ReLU of the fused BN-ReLU: dy is read as dy' = dy where the
  // forward's a*x + b (affineRelu's a and b) was positive, 0 elsewhere; the sign is computed
  // exactly as affineRelu computed it, so dy' is what reluBackward(y, dy) would give.
  void (*gradSumsRelu)(const float* x, const float* dy, size_t len, float mean, float a, float b, double* out);
  void (*gradInputRelu)(const float* x, const float* dy, size_t len, float mean, float a, float b, float k, float p,
                        float q, float* dx);
};

const NormSegmentKernels& normSegmentKernels();

}  // namespace ftm
