// Batch normalisation over NCHW tensors: per-channel statistics, running averages, gradients.
#pragma once
#include <cstdint>

namespace ftm {

// x viewed as (N, C, HW): N images, C channels, HW = H*W values per image and channel.
struct BatchNormShape {
  int64_t n;
  int64_t c;
  int64_t hw;
};

// x: (N,C,HW), weight/bias: (C) or null (1 and 0) -> y: (N,C,HW).
// training: normalises with the batch mean and biased variance, and (when runningMean and
//   runningVar are not null) updates them in place: r = (1-momentum)*r + momentum*batch, with
//   the unbiased variance for runningVar. Needs N*HW > 1.
// eval: normalises with runningMean/runningVar (not null).
// saveMean/saveInvStd: (C) the mean and 1/sqrt(var+eps) used, kept for the backward pass.
// relu: y = max(0, .) in the same pass (the fused BN-ReLU of training; y must not alias x).
void batchNormForward(const float* x, BatchNormShape s, const float* weight, const float* bias,
                      float* runningMean, float* runningVar, bool training, double momentum,
                      double eps, float* y, float* saveMean, float* saveInvStd, bool relu = false);

// x, dy: (N,C,HW), weight: (C) or null, saveMean/saveInvStd: (C) from the forward pass
// -> dx: (N,C,HW), dweight, dbias: (C); each output may be null (not wanted).
// training: the batch statistics depend on x, so dx has the full coupled form
//   dx = weight*invstd * (dy - mean(dy) - xhat*mean(dy*xhat)); eval: dx = weight*invstd*dy.
// relu: the backward of the fused BN-ReLU (batchNormForward with relu): dy passes only where
//   the forward's output was positive, as reluBackward(y, dy) would pass it, with the sign
//   recomputed from x, weight and bias (bias: (C) or null, the forward's) instead of read
//   from y: one pass over memory less than reluBackward then batchNormBackward, same values.
void batchNormBackward(const float* x, const float* dy, BatchNormShape s, const float* weight,
                       const float* saveMean, const float* saveInvStd, bool training, float* dx,
                       float* dweight, float* dbias, bool relu = false, const float* bias = nullptr);

}  // namespace ftm
