// 2-D pooling kernels (max and average) over NCHW planes, forward and backward.
#pragma once
#include <cstdint>

namespace ftm {

// Window geometry shared by the pooling kernels: x (N,C,H,W) -> y (N,C,P,Q) with
// P = (H + 2*padH - kernelH) / strideH + 1 (and likewise Q).
struct Pool2dShape {
  int64_t n, c, h, w;
  int64_t kernelH, kernelW, strideH, strideW, padH, padW;
  int64_t p, q;
};

// x: (N,C,H,W) -> y: (N,C,P,Q); padding never wins (acts as -inf); NaN propagates (as torch).
void maxPool2dForward(const float* x, float* y, const Pool2dShape& s);
// x: (N,C,H,W), gy: (N,C,P,Q) -> gx: (N,C,H,W); each window's gradient goes to its first
// maximum (the argmax is recomputed from x, as the forward chose it).
void maxPool2dBackward(const float* x, const float* gy, float* gx, const Pool2dShape& s);
// x: (N,C,H,W) -> y: (N,C,P,Q); mean over the window with padding counted as zeros
// (count_include_pad = true: the divisor is always kernelH*kernelW).
void avgPool2dForward(const float* x, float* y, const Pool2dShape& s);
// gy: (N,C,P,Q) -> gx: (N,C,H,W)
void avgPool2dBackward(const float* gy, float* gx, const Pool2dShape& s);

}  // namespace ftm
