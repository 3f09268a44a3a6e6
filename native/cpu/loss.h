// Loss kernels: each returns the (mean-reduced) loss and, when the gradient buffer is not
// null, writes d loss / d logits (or predictions) into it in the same call.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ftm {

// logits: (N,K), targets: (N) class indices in [0,K), classWeight: (K) or null -> loss;
// dlogits: (N,K) or null. As torch.nn.functional.cross_entropy(reduction='mean',
// label_smoothing): sum_i sum_k q_ik * -log softmax(z_i)_k / sum_i w[y_i], with
// q_ik = (1-s)*w[y_i]*[k==y_i] + s/K*w[k].
double softmaxCrossEntropy(const float* logits, int64_t n, int64_t k, const int32_t* targets,
                           const float* classWeight, double labelSmoothing, float* dlogits);

// logits, targets: (rows, inner) with row r in channel r % channels; posWeight: (channels) or
// null -> mean of (1-t)*x + (1+(pw-1)*t)*softplus(-x) (torch's stable form); dlogits or null.
double bceWithLogits(const float* logits, const float* targets, int64_t rows, int64_t inner,
                     const float* posWeight, int64_t channels, float* dlogits);

// logits, targets: (N, M) -> mean over images of 1 - (2*sum(p*t)+eps)/(sum(p)+sum(t)+eps),
// p = sigmoid(logits); dlogits: (N, M) or null.
double diceLoss(const float* logits, const float* targets, int64_t n, int64_t m, double eps, float* dlogits);

// logits, target heatmap: (M) -> CenterNet focal loss on p = clamp(sigmoid(x), 1e-4, 1-1e-4):
// t == 1: -(1-p)^alpha log p; otherwise -(1-t)^beta p^alpha log(1-p); sum / max(1, #(t == 1)).
double focalLoss(const float* logits, const float* targets, size_t m, double alpha, double beta,
                 float* dlogits);

// pred, target: (N, C, HW); mask: (N, maskChannels, HW) with maskChannels == C or 1 (broadcast
// over channels), or null -> sum |pred-target| * mask / max(1, sum of the broadcast mask);
// without a mask the mean absolute error. dpred: (N, C, HW) or null.
double l1Loss(const float* pred, const float* target, const float* mask, int64_t n, int64_t c, int64_t hw,
              int64_t maskChannels, float* dpred);

}  // namespace ftm
