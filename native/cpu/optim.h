// Optimizer kernels: fused in-place SGD and AdamW updates, and the gradient-norm helpers
// (sum of squares, scale) that global-norm clipping and the NaN guard use.
#pragma once
#include <cstddef>

namespace ftm {

struct SgdOptions {
  float lr;
  float momentum;      // 0 = plain SGD (momentumBuf unused)
  float dampening;
  float weightDecay;   // L2, added to the gradient (PyTorch SGD semantics)
  bool nesterov;
  bool firstStep;      // momentum buffer is initialised to the gradient on the first step
};

// p: (n), g: (n), momentumBuf: (n) or null when momentum == 0 -> p, momentumBuf updated in place
void sgdStep(float* p, const float* g, float* momentumBuf, size_t n, const SgdOptions& o);

struct AdamWOptions {
  float lr;
  float beta1;
  float beta2;
  float eps;
  float weightDecay;   // decoupled: p *= 1 - lr * weightDecay
  double step;         // 1-based step count, for bias correction
};

// p: (n), g: (n), m: (n), v: (n) -> p, m, v updated in place
void adamwStep(float* p, const float* g, float* m, float* v, size_t n, const AdamWOptions& o);

// x: (n) -> sum of x[i]^2 in double, in fixed-size blocks summed in order, so the result
// does not depend on the thread count. NaN/Inf in x make it non-finite.
double sumSquares(const float* x, size_t n);

// x: (n) -> x * s in place
void scaleInPlace(float* x, size_t n, float s);

}  // namespace ftm
