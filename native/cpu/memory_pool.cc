// Caching allocator: size classes (powers of two up to 1 MiB, then 1 MiB steps above),
// one free list per class, so a training loop that allocates the same shapes every step
// reuses the same blocks instead of growing the heap.
#include "memory_pool.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace ftm {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kMiB = size_t(1) << 20;
// Cached bytes above this are released to the system instead of kept.
constexpr size_t kMaxCachedBytes = size_t(4) << 30;

struct Pool {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> freeLists;  // size class -> blocks
  std::unordered_map<void*, size_t> sizeOf;                  // live or cached block -> class
  PoolStats stats{0, 0, 0, 0};
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: finalizers may run during exit
  return *p;
}

}  // namespace

size_t poolSizeClass(size_t bytes) {
  if (bytes < kAlign) bytes = kAlign;
  if (bytes <= kMiB) {
    size_t c = kAlign;
    while (c < bytes) c <<= 1;
    return c;
  }
  return (bytes + kMiB - 1) / kMiB * kMiB;
}

void* poolAlloc(size_t bytes) {
  const size_t cls = poolSizeClass(bytes);
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mu);
    p.stats.allocations++;
    auto it = p.freeLists.find(cls);
    if (it != p.freeLists.end() && !it->second.empty()) {
      void* ptr = it->second.back();
      it->second.pop_back();
      p.stats.bytesCached -= cls;
      p.stats.bytesInUse += cls;
      return ptr;
    }
  }
  void* ptr = std::aligned_alloc(kAlign, cls);
  if (ptr == nullptr) {
    poolTrim();
    ptr = std::aligned_alloc(kAlign, cls);
    if (ptr == nullptr) throw std::bad_alloc();
  }
  std::lock_guard<std::mutex> lock(p.mu);
  p.sizeOf[ptr] = cls;
  p.stats.systemAllocations++;
  p.stats.bytesInUse += cls;
  return ptr;
}

void poolFree(void* ptr) {
  if (ptr == nullptr) return;
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  auto it = p.sizeOf.find(ptr);
  if (it == p.sizeOf.end()) return;  // not ours: ignore rather than corrupt the heap
  const size_t cls = it->second;
  p.stats.bytesInUse -= cls;
  if (p.stats.bytesCached + cls > kMaxCachedBytes) {
    p.sizeOf.erase(it);
    std::free(ptr);
    return;
  }
  p.freeLists[cls].push_back(ptr);
  p.stats.bytesCached += cls;
}

PoolStats poolStats() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  return p.stats;
}

void poolTrim() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  for (auto& kv : p.freeLists) {
    for (void* ptr : kv.second) {
      p.sizeOf.erase(ptr);
      std::free(ptr);
    }
    kv.second.clear();
  }
  p.stats.bytesCached = 0;
}

}  // namespace ftm
