// A 64-bit hash of float arrays in blocks, for the Winograd weight cache: an entry keeps the
// hashes of the weights it was built from instead of a copy, so checking that the caller's
// weights are unchanged reads them once (not them and a copy). Each block's hash runs 16
// independent lanes of (a ^ word) * odd, then a ^= a >> 32 (each step a bijection of the lane)
// and folds the lanes with the same step, so a change confined to one 8-byte word of a block
// always changes its hash; other changes go unseen with a chance of about 2^-64 per block.
// The AVX-512 and portable versions compute the same function. Internal to native/cpu.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ftm {

// Floats per hashed block (16 KiB).
constexpr size_t kHashBlockFloats = 4096;

inline size_t hashBlockCount(size_t floats) { return (floats + kHashBlockFloats - 1) / kHashBlockFloats; }

// Hash of the n floats at p (their bit patterns; -0 and 0, or two NaNs, differ).
uint64_t hashFloats(const float* p, size_t n);

// Hash of block b of an array of `floats` floats.
inline uint64_t hashBlock(const float* p, size_t floats, size_t b) {
  const size_t begin = b * kHashBlockFloats;
  const size_t end = begin + kHashBlockFloats < floats ? begin + kHashBlockFloats : floats;
  return hashFloats(p + begin, end - begin);
}

// Every block's hash.
std::vector<uint64_t> blockHashes(const float* p, size_t floats);

}  // namespace ftm
