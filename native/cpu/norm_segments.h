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
};

const NormSegmentKernels& normSegmentKernels();

}  // namespace ftm
