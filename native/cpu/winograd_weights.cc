// Transformed Winograd weights and their inference cache (see winograd_weights.h).
#include "winograd_weights.h"

#include <algorithm>
#include <cstdlib>
#include <list>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

#include "conv_passes.h"
#include "memory_pool.h"
#include "weight_hash.h"
#include "winograd_tiles.h"

namespace ftm {
namespace {

using conv_detail::PoolFloats;

// Built per call: u from the caching pool, as the rest of a call's scratch.
struct PooledWeights : WinogradWeights {
  ~PooledWeights() override { poolFree(u); }
};

// Kept in the cache: the packed panels in system memory (u is dropped once they are packed:
// the GEMM reads the panels only), with the hashes of the source weights to check against.
struct KeptWeights : WinogradWeights {
  const float* source = nullptr;   // the caller's weights when built (a hint; contents decide)
  std::vector<uint64_t> hashes;    // of those weights (K x C x 9), per block (weight_hash.h)
  size_t bytes = 0;
  uint64_t lastUse = 0;
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
  if (env == nullptr || *env == '\0') return size_t{256} << 20;
  char* end = nullptr;
  const double mb = std::strtod(env, &end);
  if (end == env || *end != '\0' || !(mb >= 0) || mb > 1e6)
    throw std::invalid_argument(std::string("Expected a number of megabytes >= 0 for FTMTLNET_WEIGHT_CACHE_MB but received ") + env);
  return static_cast<size_t>(mb * (1 << 20));
}

// An entry not looked up for this many lookups (about a hundred forward passes of the largest
// preset) may be evicted to make room; a recently used one never is, so a model whose layers
// do not all fit keeps the ones that do instead of rebuilding every entry in turn.
constexpr uint64_t kIdleLookups = 4096;

struct Cache {
  std::mutex mu;
  std::list<std::shared_ptr<KeptWeights>> entries;
  size_t bytes = 0;   // entries plus reservations of entries being built
  size_t limit = limitFromEnvironment();
  uint64_t clock = 0;
};

Cache& cache() {
  static Cache* c = new Cache();   // never destroyed: worker threads may outlive static teardown
  return *c;
}

// Bytes an entry holds: the packed panels (rows rounded up to the kernel's) and the hashes.
size_t keptBytes(int m, int64_t K, int64_t C) {
  const int64_t A2 = winograd::alphaOf(m) * winograd::alphaOf(m);
  const int64_t mr = gemmKernel().mr;
  return static_cast<size_t>(A2 * ((K + mr - 1) / mr * mr) * C) * sizeof(float) +
         hashBlockCount(static_cast<size_t>(9 * K * C)) * sizeof(uint64_t);
}

std::shared_ptr<KeptWeights> buildKept(int m, const float* w, int64_t K, int64_t C) {
  const int64_t count = K * C, A2 = winograd::alphaOf(m) * winograd::alphaOf(m);
  auto kept = std::make_shared<KeptWeights>();
  kept->m = m;
  kept->M = K;
  kept->C = C;
  kept->source = w;
  kept->hashes = blockHashes(w, static_cast<size_t>(count * 9));
  PoolFloats taps(9 * count), u(A2 * count);
  gatherTaps(w, count, taps.data);
  kept->u = u.data;
  transformAndPack(*kept, taps.data, count, false);
  kept->u = nullptr;
  kept->bytes = keptBytes(m, K, C);
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
  const size_t need = keptBytes(m, K, C);
  std::vector<uint64_t> hashes;   // of w, computed when an entry at its address is found
  const auto sameContents = [&](const KeptWeights& e) {
    if (hashes.empty()) hashes = blockHashes(w, count);
    return hashes == e.hashes;
  };
  {
    std::lock_guard<std::mutex> lock(c.mu);
    const uint64_t now = ++c.clock;
    for (auto it = c.entries.begin(); it != c.entries.end();) {
      KeptWeights& e = **it;
      if (e.source != w || e.m != m) {
        ++it;
      } else if (e.M == K && e.C == C && sameContents(e)) {
        e.lastUse = now;
        return *it;
      } else {
        // The weights at this address changed (training, a reload): their entry goes.
        c.bytes -= e.bytes;
        it = c.entries.erase(it);
      }
    }
    if (need > c.limit / 4) return forwardWeights(m, w, K, C);
    if (c.bytes + need > c.limit) {
      // Room from entries idle for a while (another model's, or weights since freed), oldest first.
      std::vector<std::list<std::shared_ptr<KeptWeights>>::iterator> idle;
      for (auto it = c.entries.begin(); it != c.entries.end(); ++it)
        if ((*it)->lastUse + kIdleLookups < now) idle.push_back(it);
      std::sort(idle.begin(), idle.end(), [](const auto& a, const auto& b) { return (*a)->lastUse < (*b)->lastUse; });
      for (size_t i = 0; i < idle.size() && c.bytes + need > c.limit; ++i) {
        c.bytes -= (*idle[i])->bytes;
        c.entries.erase(idle[i]);
      }
      if (c.bytes + need > c.limit) return forwardWeights(m, w, K, C);   // full of weights in use
    }
    c.bytes += need;   // reserved while it is built outside the lock
  }
  std::shared_ptr<KeptWeights> kept;
  try {
    kept = buildKept(m, w, K, C);
  } catch (...) {
    std::lock_guard<std::mutex> lock(c.mu);
    c.bytes -= need;
    throw;
  }
  std::lock_guard<std::mutex> lock(c.mu);
  kept->lastUse = c.clock;
  c.entries.push_front(kept);
  return kept;
}

UncheckedWeights findForwardWeights(int m, const float* w, int64_t K, int64_t C) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  const uint64_t now = ++c.clock;
  for (const std::shared_ptr<KeptWeights>& e : c.entries)
    if (e->source == w && e->m == m && e->M == K && e->C == C) {
      e->lastUse = now;
      return {e, e->hashes.data()};
    }
  return {};
}

void dropForwardWeights(const WinogradWeights* entry) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto it = c.entries.begin(); it != c.entries.end(); ++it)
    if (it->get() == entry) {
      c.bytes -= (*it)->bytes;
      c.entries.erase(it);
      return;
    }
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
