// CUDA twins of native/cpu/loss.h: the same arguments (device pointers; targets of
// softmaxCrossEntropy are device int32), but the loss is written to `loss` (one float on the
// device) instead of returned, so a training step never waits for the host.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ftm {
namespace cuda {

void softmaxCrossEntropy(const float* logits, int64_t n, int64_t k, const int32_t* targets,
                         const float* classWeight, double labelSmoothing, float* dlogits, float* loss);
void bceWithLogits(const float* logits, const float* targets, int64_t rows, int64_t inner,
                   const float* posWeight, int64_t channels, float* dlogits, float* loss);
void diceLoss(const float* logits, const float* targets, int64_t n, int64_t m, double eps, float* dlogits,
              float* loss);
void focalLoss(const float* logits, const float* targets, size_t m, double alpha, double beta, float* dlogits,
               float* loss);
void l1Loss(const float* pred, const float* target, const float* mask, int64_t n, int64_t c, int64_t hw,
            int64_t maskChannels, float* dpred, float* loss);

}  // namespace cuda
}  // namespace ftm
