// Convolution passes as GEMMs whose B operand is read in place from zero-bordered planes
// (shifted_planes.h, gemm_rows.h): no im2col buffer, no gather.
//   forward:         y_n (K x grid)  = W (K x CRS) * rows(x_n)
//   backward-data:   for each stride phase (a,b), dx_n[:, a::sh, b::sw] is a stride-1
//                    correlation of dy_n with the phase's flipped taps (no col2im, no atomics)
//   backward-weight: dW (K x CRS) = sum_n dy_n (K x grid) * rows(x_n)^T, pixels split over
//                    threads with per-thread partial sums.
// The grid is the output with rows Wg >= Q long; its extra columns are computed and dropped.
// This file: the geometry and the one-source conv2d entry points; the passes are in
// conv_forward.cc, conv_backward_data.cc and conv_backward_weight.cc (shared: conv_passes.h).
#include "conv.h"

#include <stdexcept>

namespace ftm {

ConvShape makeConvShape(int64_t N, int64_t C, int64_t H, int64_t W, int64_t K, int64_t R, int64_t S,
                        int64_t sh, int64_t sw, int64_t ph, int64_t pw) {
  ConvShape s{N, C, H, W, K, R, S, sh, sw, ph, pw, 0, 0};
  if (N < 1 || C < 1 || H < 1 || W < 1 || K < 1 || R < 1 || S < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0)
    throw std::invalid_argument("invalid convolution geometry");
  s.P = (H + 2 * ph - R) / sh + 1;
  s.Q = (W + 2 * pw - S) / sw + 1;
  if (H + 2 * ph < R || W + 2 * pw < S || s.P < 1 || s.Q < 1)
    throw std::invalid_argument("convolution output would be empty (kernel larger than padded input)");
  return s;
}

void conv2dForward(const ConvShape& s, const float* x, const float* w, const float* b, float* y, bool relu,
                   const float* rowScale) {
  convForwardSources(s, {ConvSource{x, s.C}}, w, b, y, relu, rowScale);
}

void conv2dBackwardData(const ConvShape& s, const float* dy, const float* w, float* dx) {
  convBackwardDataSources(s, dy, w, {dx}, {s.C});
}

void conv2dBackwardWeight(const ConvShape& s, const float* x, const float* dy, float* dw, float* db) {
  convBackwardWeightSources(s, {ConvSource{x, s.C}}, dy, dw, db);
}

}  // namespace ftm
