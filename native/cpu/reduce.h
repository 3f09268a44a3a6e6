// Reductions over broadcast dimensions (sum, mean, broadcast gradients) and their inverse,
// broadcasting a smaller tensor up to a larger shape.
#pragma once
#include <cstdint>
#include <vector>

namespace ftm {

// g: gShape -> y: targetShape (same rank; each size equal to g's or 1), y = scale * (g summed
// over every dim where the target has size 1). y is overwritten.
void sumToShape(const float* g, const std::vector<int64_t>& gShape, float* y,
                const std::vector<int64_t>& targetShape, float scale);

// x: xShape (same rank as outShape; sizes equal or 1) -> y: outShape, y = scale * broadcast(x).
void broadcastTo(const float* x, const std::vector<int64_t>& xShape, float* y,
                 const std::vector<int64_t>& outShape, float scale);

}  // namespace ftm
