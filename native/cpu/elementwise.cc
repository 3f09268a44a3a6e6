// Elementwise kernels: multi-threaded over chunks, vectorised per ISA through simd_dispatch.h.
#if defined(__GNUC__) && !defined(__clang__)
// FP ops never trap here, so compare-and-select loops may be if-converted and vectorised.
#pragma GCC optimize("no-trapping-math")
#endif
#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "broadcast.h"
#include "load_then_mask.h"
#include "simd_dispatch.h"
#include "thread_pool.h"

namespace ftm {
namespace {

// Runs fn(begin, end) over [0, n) in parallel chunks (inline when n is small).
template <class Fn>
void parallelChunks(size_t n, Fn&& fn) {
  parallelRowChunks(1, static_cast<int64_t>(n), [&](int64_t, int64_t b, int64_t e) {
    fn(static_cast<size_t>(b), static_cast<size_t>(e));
  });
}

FTM_ALWAYS_INLINE float bitsToFloat(int32_t i) {
  float f;
  std::memcpy(&f, &i, sizeof f);
  return f;
}

// exp(x) for float, vectorisable (no libm call, no NaN-aware min/max): 2^n * p(r) with
// |rel err| < 2e-7 on [-87, 88]; inputs outside are clamped; NaN stays NaN.
FTM_ALWAYS_INLINE float expApprox(float x) {
  x = std::max(x, -87.0f);  // std::min/max on floats become vminps/vmaxps; NaN passes through
  x = std::min(x, 88.0f);
  // Round to nearest with the 1.5 * 2^23 trick (exact IEEE arithmetic, vectorises anywhere).
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const int32_t k = static_cast<int32_t>(n);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  return p * bitsToFloat((k + 127) << 23);
}

FTM_ALWAYS_INLINE void reluForwardBody(const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];  // NaN stays NaN
}
FTM_MULTIVERSION(reluForward, (const float* x, float* y, size_t n), (x, y, n))

FTM_ALWAYS_INLINE void reluBackwardBody(const float* x, const float* gy, float* gx, size_t n) {
  for (size_t i = 0; i < n; ++i) gx[i] = x[i] > 0.0f ? gy[i] : 0.0f;
}
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The AVX-512 clone by hand: GCC turned the select into a masked load of gy, and a masked load
// that misses the cache streams at a quarter of a plain load's rate on Zen 5 (docs/winograd.md).
__attribute__((target("avx512f"))) static void reluBackwardAvx512(const float* x, const float* gy, float* gx,
                                                                   size_t n) {
  const __m512 zero = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(gx + i, loadThenMask(gy + i, _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), zero, _CMP_GT_OQ)));
  for (; i < n; ++i) gx[i] = x[i] > 0.0f ? gy[i] : 0.0f;
}
#endif
FTM_MULTIVERSION_OWN_AVX512(reluBackward, (const float* x, const float* gy, float* gx, size_t n), (x, gy, gx, n))

FTM_ALWAYS_INLINE void sigmoidForwardBody(const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + expApprox(-x[i]));
}
FTM_MULTIVERSION(sigmoidForward, (const float* x, float* y, size_t n), (x, y, n))

FTM_ALWAYS_INLINE void sigmoidBackwardBody(const float* y, const float* gy, float* gx, size_t n) {
  for (size_t i = 0; i < n; ++i) gx[i] = gy[i] * y[i] * (1.0f - y[i]);
}
FTM_MULTIVERSION(sigmoidBackward, (const float* y, const float* gy, float* gx, size_t n), (y, gy, gx, n))

FTM_ALWAYS_INLINE void affineBody(const float* x, float* y, size_t n, float s, float c) {
  for (size_t i = 0; i < n; ++i) y[i] = x[i] * s + c;
}
FTM_MULTIVERSION(affine, (const float* x, float* y, size_t n, float s, float c), (x, y, n, s, c))

// y = a + b over three distinct buffers, and y += x in place: __restrict lets the compiler
// vectorise each without a run-time overlap check (which an in-place call would fail).
FTM_ALWAYS_INLINE void addBody(const float* __restrict a, const float* __restrict b, float* __restrict y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}
FTM_MULTIVERSION(add, (const float* __restrict a, const float* __restrict b, float* __restrict y, size_t n),
                 (a, b, y, n))

FTM_ALWAYS_INLINE void addIntoBody(float* __restrict y, const float* __restrict x, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += x[i];
}
FTM_MULTIVERSION(addInto, (float* __restrict y, const float* __restrict x, size_t n), (y, x, n))

FTM_ALWAYS_INLINE void addSelfBody(float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += y[i];
}
FTM_MULTIVERSION(addSelf, (float* y, size_t n), (y, n))

template <BinaryOp op>
FTM_ALWAYS_INLINE float apply(float a, float b) {
  if (op == BinaryOp::Add) return a + b;
  if (op == BinaryOp::Sub) return a - b;
  return a * b;
}

// One row of a broadcast binary op; strides are 0 (broadcast) or 1 (contiguous).
template <BinaryOp op>
FTM_ALWAYS_INLINE void binaryRowOp(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) y[i] = apply<op>(a[i], b[i]);
  } else if (sa == 1) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; ++i) y[i] = apply<op>(a[i], bv);
  } else if (sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; ++i) y[i] = apply<op>(av, b[i]);
  } else {
    const float v = apply<op>(a[0], b[0]);
    for (int64_t i = 0; i < n; ++i) y[i] = v;
  }
}

FTM_ALWAYS_INLINE void binaryRowBody(int op, const float* a, int64_t sa, const float* b, int64_t sb, float* y,
                                     int64_t n) {
  if (op == static_cast<int>(BinaryOp::Add)) binaryRowOp<BinaryOp::Add>(a, sa, b, sb, y, n);
  else if (op == static_cast<int>(BinaryOp::Sub)) binaryRowOp<BinaryOp::Sub>(a, sa, b, sb, y, n);
  else binaryRowOp<BinaryOp::Mul>(a, sa, b, sb, y, n);
}
FTM_MULTIVERSION(binaryRow, (int op, const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n),
                 (op, a, sa, b, sb, y, n))

// splitmix64: a strong 64-bit mix (turns the seed into two 32-bit keys).
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// lowbias32 (Wellons): a 32-bit integer hash that vectorises (vpmulld).
FTM_ALWAYS_INLINE uint32_t hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

// mask[i] for i in [begin, begin + n): two keyed hash rounds of the element index, 24 bits
// compared with p.
FTM_ALWAYS_INLINE void dropoutMaskBody(float* mask, uint64_t begin, size_t n, uint32_t key0, uint32_t key1, float p,
                                       float keep) {
  for (size_t i = 0; i < n; ++i) {
    const uint32_t idx = static_cast<uint32_t>(begin + i);
    const uint32_t h = hash32(hash32(idx ^ key0) + key1);
    const float u = static_cast<float>(static_cast<int32_t>(h >> 8)) * (1.0f / 16777216.0f);  // [0, 1)
    mask[i] = u < p ? 0.0f : keep;
  }
}
FTM_MULTIVERSION(dropoutMask,
                 (float* mask, uint64_t begin, size_t n, uint32_t key0, uint32_t key1, float p, float keep),
                 (mask, begin, n, key0, key1, p, keep))

}  // namespace

void reluForward(const float* x, float* y, size_t n) {
  parallelChunks(n, [&](size_t b, size_t e) { reluForwardDispatch(x + b, y + b, e - b); });
}

void reluBackward(const float* x, const float* gy, float* gx, size_t n) {
  parallelChunks(n, [&](size_t b, size_t e) { reluBackwardDispatch(x + b, gy + b, gx + b, e - b); });
}

void sigmoidForward(const float* x, float* y, size_t n) {
  parallelChunks(n, [&](size_t b, size_t e) { sigmoidForwardDispatch(x + b, y + b, e - b); });
}

void sigmoidBackward(const float* y, const float* gy, float* gx, size_t n) {
  parallelChunks(n, [&](size_t b, size_t e) { sigmoidBackwardDispatch(y + b, gy + b, gx + b, e - b); });
}

void affineScalar(const float* x, float* y, size_t n, float s, float c) {
  parallelChunks(n, [&](size_t b, size_t e) { affineDispatch(x + b, y + b, e - b, s, c); });
}

void gradAccumulate(const float* a, const float* b, float* y, size_t n) {
  if (y == a && y == b) {  // a + a: one buffer read and written
    parallelChunks(n, [&](size_t s, size_t e) { addSelfDispatch(y + s, e - s); });
  } else if (y == a || y == b) {  // float addition commutes exactly: y += the other one
    const float* x = y == a ? b : a;
    parallelChunks(n, [&](size_t s, size_t e) { addIntoDispatch(y + s, x + s, e - s); });
  } else {
    parallelChunks(n, [&](size_t s, size_t e) { addDispatch(a + s, b + s, y + s, e - s); });
  }
}

void binaryBroadcast(BinaryOp op, const float* a, const std::vector<int64_t>& aShape, const float* b,
                     const std::vector<int64_t>& bShape, float* y, const std::vector<int64_t>& outShape) {
  const std::vector<int64_t> shapes[3] = {outShape, aShape, bShape};
  const auto dims = coalesceDims<3>(outShape, shapes);
  if (dims.empty()) {
    binaryRowDispatch(static_cast<int>(op), a, 1, b, 1, y, 1);
    return;
  }
  const LoopDim<3>& in = dims.back();
  int64_t rows = 1;
  for (size_t r = 0; r + 1 < dims.size(); ++r) rows *= dims[r].size;
  parallelRowChunks(rows, in.size, [&](int64_t row, int64_t begin, int64_t end) {
    int64_t off[3];
    rowOffsets<3>(dims, row, off);
    binaryRowDispatch(static_cast<int>(op), a + off[1] + begin * in.stride[1], in.stride[1],
                      b + off[2] + begin * in.stride[2], in.stride[2], y + off[0] + begin, end - begin);
  });
}

void dropoutMask(float* mask, size_t n, float p, uint64_t seed) {
  const float keep = 1.0f / (1.0f - p);
  const uint64_t k = mix64(seed ^ 0x9e3779b97f4a7c15ULL);
  const uint32_t key0 = static_cast<uint32_t>(k), key1 = static_cast<uint32_t>(k >> 32);
  parallelChunks(n, [&](size_t b, size_t e) { dropoutMaskDispatch(mask + b, b, e - b, key0, key1, p, keep); });
}

}  // namespace ftm
