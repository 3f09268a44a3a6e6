// The Winograd convolution's transformed weights U_xi = G g G^T (alpha^2 matrices of M x C),
// packed into GEMM panels per point, and a bounded cache of them for inference: the fused
// inference convolution (convScaleRelu) sees the same weights on every call, and building
// them costs as much as a small layer's multiplies (0.15 ms for 64 -> 64 channels at F(4,3)).
// Internal to the Winograd convolution (winograd_conv.cc).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "gemm.h"

namespace ftm {

struct WinogradWeights {
  int m = 0;
  int64_t M = 0, C = 0;
  float* u = nullptr;                                // alpha^2 x M x C (null once packed, when kept)
  std::vector<std::unique_ptr<PrepackedA>> packed;   // per point, M x C panels
  virtual ~WinogradWeights() = default;
};

// U for a forward correlation: w is K x C x 3 x 3 (M = K). Built per call (pool memory).
std::unique_ptr<WinogradWeights> forwardWeights(int m, const float* w, int64_t K, int64_t C);

// The same, from the cache when it holds the weights of `w` with the same contents (checked
// by block hashes, weight_hash.h: weights changed in place are not served stale); otherwise built and
// kept while they fit (entries idle for a while make room; entries in use are never evicted),
// else built per call. Thread-safe.
std::shared_ptr<const WinogradWeights> cachedForwardWeights(int m, const float* w, int64_t K, int64_t C);

// The kept entry for the weights at w (same address, tile and shape), found without checking
// contents, and the block hashes of the weights it was built from: the caller hashes w's blocks
// while it computes (the threads check slices of blocks beside their GEMMs instead of one
// thread reading the whole array first) and, when one differs, drops the entry
// (dropForwardWeights), asks cachedForwardWeights and computes again. weights is null when no
// entry is kept.
struct UncheckedWeights {
  std::shared_ptr<const WinogradWeights> weights;
  const uint64_t* hashes = nullptr;   // hashBlockCount(K x C x 9) block hashes of w when built
};
UncheckedWeights findForwardWeights(int m, const float* w, int64_t K, int64_t C);
void dropForwardWeights(const WinogradWeights* entry);

// U for backward-data: rows i < M = wanted.size() hold w[k][wanted[i]] rotated by 180 degrees.
std::unique_ptr<WinogradWeights> backwardDataWeights(int m, const float* w, int64_t K, int64_t C,
                                                     const std::vector<int64_t>& wanted);

// Bytes the cache holds now; its limit (FTMTLNET_WEIGHT_CACHE_MB, default 256; 0 turns it off).
size_t winogradCacheBytes();
size_t winogradCacheLimit();
// Empties the cache (poolTrim calls it with the pool's own trim).
void winogradCacheClear();

}  // namespace ftm
