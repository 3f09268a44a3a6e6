// Elementwise kernels: ReLU, sigmoid, scalar affine, broadcast binary arithmetic, the tape's
// gradient accumulation, dropout masks.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ftm {

// x: (n) -> y: (n), y = max(x, 0)
void reluForward(const float* x, float* y, size_t n);
// x, gy: (n) -> gx: (n), gx = gy where x > 0 else 0
void reluBackward(const float* x, const float* gy, float* gx, size_t n);
// x: (n) -> y: (n), y = 1 / (1 + exp(-x))
void sigmoidForward(const float* x, float* y, size_t n);
// y (the forward output), gy: (n) -> gx: (n), gx = gy * y * (1 - y)
void sigmoidBackward(const float* y, const float* gy, float* gx, size_t n);
// x: (n) -> y: (n), y = x * s + c
void affineScalar(const float* x, float* y, size_t n, float s, float c);

// a, b: (n) -> y: (n), y = a + b (the tape's gradient sum). y may be a or b (accumulation in
// place) or a buffer disjoint from both; a partial overlap is the caller's error.
void gradAccumulate(const float* a, const float* b, float* y, size_t n);

enum class BinaryOp { Add = 0, Sub = 1, Mul = 2 };

// a: aShape, b: bShape -> y: outShape; all three of one rank, a's and b's sizes equal to
// outShape's or 1 (numpy broadcasting after left-padding with 1s).
void binaryBroadcast(BinaryOp op, const float* a, const std::vector<int64_t>& aShape, const float* b,
                     const std::vector<int64_t>& bShape, float* y, const std::vector<int64_t>& outShape);

// mask: (n), each element 0 with probability p, else 1 / (1 - p). Counter-based: the value at
// i depends only on (seed, i), never on the thread count (indices past 2^32 repeat the pattern).
void dropoutMask(float* mask, size_t n, float p, uint64_t seed);

}  // namespace ftm
