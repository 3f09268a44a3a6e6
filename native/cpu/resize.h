// 2-D upsampling kernels (nearest and bilinear, integer scale factors), forward and backward.
#pragma once
#include <cstdint>

namespace ftm {

// x: (N,C,H,W) -> y: (N,C,H*scaleH,W*scaleW); output pixel (p,q) reads x[p/scaleH][q/scaleW].
void upsampleNearestForward(const float* x, float* y, int64_t n, int64_t c, int64_t h, int64_t w,
                            int64_t scaleH, int64_t scaleW);
// gy: (N,C,H*scaleH,W*scaleW) -> gx: (N,C,H,W), the sum of each scaleH x scaleW block.
void upsampleNearestBackward(const float* gy, float* gx, int64_t n, int64_t c, int64_t h, int64_t w,
                             int64_t scaleH, int64_t scaleW);
// x: (N,C,H,W) -> y: (N,C,H*scaleH,W*scaleW), align_corners = false as torch: source coordinate
// (dst + 0.5) / scale - 0.5, clamped at 0, the upper neighbour clamped to the last pixel.
void upsampleBilinearForward(const float* x, float* y, int64_t n, int64_t c, int64_t h, int64_t w,
                             int64_t scaleH, int64_t scaleW);
// gy: (N,C,H*scaleH,W*scaleW) -> gx: (N,C,H,W), the transpose of the forward interpolation.
void upsampleBilinearBackward(const float* gy, float* gx, int64_t n, int64_t c, int64_t h, int64_t w,
                              int64_t scaleH, int64_t scaleW);

}  // namespace ftm
