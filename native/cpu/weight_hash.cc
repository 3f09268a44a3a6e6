// Block hashes of float arrays (see weight_hash.h).
#include "weight_hash.h"

#include <cstring>

#include "cpu_features.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ftm {
namespace {

constexpr uint64_t kOdd = 0x9E3779B97F4A7C15ull;
constexpr int kLanes = 16;

inline uint64_t step(uint64_t a, uint64_t word) {
  a = (a ^ word) * kOdd;
  return a ^ (a >> 32);
}

// The words after the last whole group of 16 (in lane order), the odd float, then the fold.
uint64_t finish(uint64_t* acc, const unsigned char* tail, size_t tailWords, bool oddFloat, size_t n) {
  for (size_t i = 0; i < tailWords; ++i) {
    uint64_t word;
    std::memcpy(&word, tail + 8 * i, 8);
    acc[i] = step(acc[i], word);
  }
  if (oddFloat) {
    uint32_t bits;
    std::memcpy(&bits, tail + 8 * tailWords, 4);
    acc[tailWords] = step(acc[tailWords], uint64_t{bits});
  }
  uint64_t h = static_cast<uint64_t>(n);
  for (int j = 0; j < kLanes; ++j) h = step(h, acc[j]);
  return h;
}

void initial(uint64_t* acc) {
  for (int j = 0; j < kLanes; ++j) acc[j] = static_cast<uint64_t>(j + 1) * 0xD6E8FEB86659FD93ull;
}

uint64_t hashPortable(const float* p, size_t n) {
  const unsigned char* bytes = reinterpret_cast<const unsigned char*>(p);
  const size_t words = n / 2, groups = words / kLanes;
  uint64_t acc[kLanes];
  initial(acc);
  for (size_t g = 0; g < groups; ++g)
    for (int j = 0; j < kLanes; ++j) {
      uint64_t word;
      std::memcpy(&word, bytes + 8 * (g * kLanes + j), 8);
      acc[j] = step(acc[j], word);
    }
  return finish(acc, bytes + 8 * groups * kLanes, words - groups * kLanes, n % 2 != 0, n);
}

#if defined(__x86_64__)
#define FTM_AVX512 __attribute__((target("avx512f,avx512dq")))

FTM_AVX512 uint64_t hashAvx512(const float* p, size_t n) {
  const unsigned char* bytes = reinterpret_cast<const unsigned char*>(p);
  const size_t words = n / 2, groups = words / kLanes;
  alignas(64) uint64_t acc[kLanes];
  initial(acc);
  __m512i a = _mm512_load_si512(acc), b = _mm512_load_si512(acc + 8);
  const __m512i odd = _mm512_set1_epi64(static_cast<long long>(kOdd));
  for (size_t g = 0; g < groups; ++g) {
    const unsigned char* q = bytes + 128 * g;
    a = _mm512_mullo_epi64(_mm512_xor_si512(a, _mm512_loadu_si512(q)), odd);
    b = _mm512_mullo_epi64(_mm512_xor_si512(b, _mm512_loadu_si512(q + 64)), odd);
    a = _mm512_xor_si512(a, _mm512_srli_epi64(a, 32));
    b = _mm512_xor_si512(b, _mm512_srli_epi64(b, 32));
  }
  _mm512_store_si512(acc, a);
  _mm512_store_si512(acc + 8, b);
  return finish(acc, bytes + 8 * groups * kLanes, words - groups * kLanes, n % 2 != 0, n);
}
#endif

}  // namespace

uint64_t hashFloats(const float* p, size_t n) {
#if defined(__x86_64__)
  static const bool avx512 = simdLevel() == SimdLevel::Avx512;
  if (avx512) return hashAvx512(p, n);
#endif
  return hashPortable(p, n);
}

std::vector<uint64_t> blockHashes(const float* p, size_t floats) {
  std::vector<uint64_t> out(hashBlockCount(floats));
  for (size_t b = 0; b < out.size(); ++b) out[b] = hashBlock(p, floats, b);
  return out;
}

}  // namespace ftm
