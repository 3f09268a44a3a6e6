// Caching allocator for 64-byte aligned float buffers, shared by every CPU tensor.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ftm {

struct PoolStats {
  uint64_t bytesInUse;      // handed out and not yet returned
  uint64_t bytesCached;     // returned and kept for reuse
  uint64_t allocations;     // calls to poolAlloc
  uint64_t systemAllocations;  // of those, how many reached the system allocator
};

// Returns a 64-byte aligned block of at least `bytes` bytes (rounded up to a size class).
// Never returns null: throws std::bad_alloc when the system is out of memory.
void* poolAlloc(size_t bytes);
// Gives a block back to the cache (thread-safe; callable from GC finalizers).
void poolFree(void* ptr);
// Size class actually reserved for a request of `bytes`.
size_t poolSizeClass(size_t bytes);
PoolStats poolStats();
// Releases every cached block to the system.
void poolTrim();

}  // namespace ftm
