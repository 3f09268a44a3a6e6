// Fully connected layer on the packed SGEMM (torch.nn.functional.linear semantics).
#pragma once
#include <cstdint>

namespace ftm {

// x: (N, in), w: (out, in), b: (out) or null -> y: (N, out) = x w^T + b
void linearForward(int64_t N, int64_t in, int64_t out, const float* x, const float* w, const float* b, float* y);
// dy: (N, out) -> dx: (N, in), dw: (out, in), db: (out) (each may be null; overwritten)
void linearBackward(int64_t N, int64_t in, int64_t out, const float* x, const float* w, const float* dy,
                    float* dx, float* dw, float* db);

}  // namespace ftm
