// Transformed Winograd weights and their inference cache (see winograd_weights.h).
#include "winograd_weights.h"

#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

#include "conv_passes.h"
#include "memory_pool.h"
#include "winograd_tiles.h"

namespace ftm {
namespace {

using conv_detail::PoolFloats;

// Built per call: u from the caching pool, as the rest of a call's scratch.
struct PooledWeights : WinogradWeights {
  ~PooledWeights() override { poolFree(u); }
};

// Kept in the cache: system memory, with the source weights to compare against.
struct KeptWeights : WinogradWeights {
  const float* source = nullptr;   // the caller's weights when built (a hint; contents decide)
  std::vector<float> taps;         // a copy of those weights, K x C x 9
  size_t bytes = 0;
  ~KeptWeights() override { std::free(u); }
};

// taps (9 x count, tap-major) -> w.u, then one PrepackedA per point.
void transformAndPack(WinogradWeights& w, const float* taps, int64_t count, bool pooled) {
  const int64_t A2 = winograd::alphaOf(w.m) * winograd::alphaOf(w.m);
  winograd::weightTiles(w.m, taps, count, w.u, count);
  w.packed.resize(static_cast<size_t>(A2));
  for (int64_t xi = 0; xi < A2; ++xi)
    w.packed[xi].reset(new PrepackedA(MatrixAPacker(w.u + xi * w.M * w.C, w.M, w.C, 1), w.M, w.C, pooled));
}

// w[k][c][t] (count = K*C kernels) -> taps[t*count + k*C + c].
void gatherTaps(const float* w, int64_t count, float* taps) {
  for (int64_t i = 0; i < count; ++i)
    for (int64_t t = 0; t < 9; ++t) taps[t * count + i] = w[i * 9 + t];
}

size_t limitFromEnvironment() {
  const char* env = std::getenv("FTMTLNET_WEIGHT_CACHE_MB");
  if (env == nullptr || *env == '\0') return size_t{64} << 20;
  char* end = nullptr;
  const double mb = std::strtod(env, &end);
  if (end == env || *end != '\0' || !(mb >= 0) || mb > 1e6)
    throw std::invalid_argument(std::string("Expected a number of megabytes >= 0 for FTMTLNET_WEIGHT_CACHE_MB but received ") + env);
  return static_cast<size_t>(mb * (1 << 20));
}

struct Cache {
  std::mutex mu;
  std::list<std::shared_ptr<KeptWeights>> entries;   // most recently used first
  size_t bytes = 0;
  size_t limit = limitFromEnvironment();
};

Cache& cache() {
  static Cache* c = new Cache();   // never destroyed: worker threads may outlive static teardown
  return *c;
}

std::shared_ptr<KeptWeights> buildKept(int m, const float* w, int64_t K, int64_t C) {
  const int64_t count = K * C, A2 = winograd::alphaOf(m) * winograd::alphaOf(m);
  auto kept = std::make_shared<KeptWeights>();
  kept->m = m;
  kept->M = K;
  kept->C = C;
  kept->source = w;
  kept->taps.assign(w, w + count * 9);
  const size_t uBytes = static_cast<size_t>(A2 * count) * sizeof(float);
  kept->u = static_cast<float*>(std::aligned_alloc(64, (uBytes + 63) / 64 * 64));
  if (kept->u == nullptr) throw std::bad_alloc();
  PoolFloats taps(9 * count);
  gatherTaps(w, count, taps.data);
  transformAndPack(*kept, taps.data, count, false);
  // u, the packed panels (M rounded up to the kernel's rows) and the copy of the weights.
  kept->bytes = uBytes * 2 + kept->taps.size() * sizeof(float);
  return kept;
}

// Per-call weights of an M x C correlation, u allocated from the pool.
std::unique_ptr<PooledWeights> pooledWeights(int m, int64_t M, int64_t C) {
  std::unique_ptr<PooledWeights> out(new PooledWeights());
  out->m = m;
  out->M = M;
  out->C = C;
  const int64_t A2 = winograd::alphaOf(m) * winograd::alphaOf(m);
  out->u = static_cast<float*>(poolAlloc(static_cast<size_t>(A2 * M * C) * sizeof(float)));
  return out;
}

}  // namespace

std::unique_ptr<WinogradWeights> forwardWeights(int m, const float* w, int64_t K, int64_t C) {
  const int64_t count = K * C;
  std::unique_ptr<PooledWeights> out = pooledWeights(m, K, C);
  PoolFloats taps(9 * count);
  gatherTaps(w, count, taps.data);
  transformAndPack(*out, taps.data, count, true);
  return out;
}

std::shared_ptr<const WinogradWeights> cachedForwardWeights(int m, const float* w, int64_t K, int64_t C) {
  Cache& c = cache();
  const size_t count = static_cast<size_t>(K * C) * 9;
  const auto same = [&](const KeptWeights& e) {
    return e.m == m && e.M == K && e.C == C && std::memcmp(e.taps.data(), w, count * sizeof(float)) == 0;
  };
  {
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.limit == 0) return forwardWeights(m, w, K, C);
    for (auto it = c.entries.begin(); it != c.entries.end(); ++it)
      if ((*it)->source == w && same(**it)) {
        c.entries.splice(c.entries.begin(), c.entries, it);
        return c.entries.front();
      }
  }
  std::shared_ptr<KeptWeights> kept = buildKept(m, w, K, C);
  std::lock_guard<std::mutex> lock(c.mu);
  if (kept->bytes > c.limit / 4) return kept;   // too big to keep: served once
  // The weights at this address changed (training, a reload): their old entry goes.
  for (auto it = c.entries.begin(); it != c.entries.end();)
    if ((*it)->source == w && (*it)->m == m) {
      c.bytes -= (*it)->bytes;
      it = c.entries.erase(it);
    } else {
      ++it;
    }
  c.entries.push_front(kept);
  c.bytes += kept->bytes;
  while (c.bytes > c.limit && !c.entries.empty()) {
    c.bytes -= c.entries.back()->bytes;
    c.entries.pop_back();
  }
  return kept;
}

std::unique_ptr<WinogradWeights> backwardDataWeights(int m, const float* w, int64_t K, int64_t C,
                                                     const std::vector<int64_t>& wanted) {
  const int64_t M = static_cast<int64_t>(wanted.size());
  const int64_t count = M * K;
  std::unique_ptr<PooledWeights> out = pooledWeights(m, M, K);
  PoolFloats taps(9 * count);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t k = 0; k < K; ++k) {
      const float* g = w + (k * C + wanted[i]) * 9;
      for (int64_t t = 0; t < 9; ++t) taps.data[t * count + i * K + k] = g[8 - t];
    }
  transformAndPack(*out, taps.data, count, true);
  return out;
}

size_t winogradCacheBytes() {
  std::lock_guard<std::mutex> lock(cache().mu);
  return cache().bytes;
}

size_t winogradCacheLimit() {
  std::lock_guard<std::mutex> lock(cache().mu);
  return cache().limit;
}

void winogradCacheClear() {
  std::lock_guard<std::mutex> lock(cache().mu);
  cache().entries.clear();
  cache().bytes = 0;
}

}  // namespace ftm
