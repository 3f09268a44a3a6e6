// The CUDA device as the rest of the addon sees it (plain C++, no CUDA headers): one stream,
// a caching device allocator, explicit counted host<->device copies. All pointers here are
// device pointers unless named host. Every function throws (std::runtime_error) on failure.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ftm {
namespace cuda {

struct DeviceStats {
  uint64_t bytesInUse;          // handed out and not yet returned
  uint64_t bytesCached;         // returned and kept for reuse
  uint64_t allocations;         // calls to deviceAlloc
  uint64_t systemAllocations;   // of those, how many reached cudaMalloc
  uint64_t hostToDeviceCopies;  // copyToDevice calls
  uint64_t hostToDeviceBytes;
  uint64_t deviceToHostCopies;  // copyToHost calls
  uint64_t deviceToHostBytes;
};

// Throws the reason (as cudaInfo().reason) when no usable device is present; otherwise makes
// device 0 current and creates the stream on first use.
void requireDevice();

// A block of at least `bytes` bytes (256-byte aligned), reused from the cache when possible;
// *sizeClass receives what was reserved (pass it back to deviceFree).
void* deviceAlloc(size_t bytes, size_t* sizeClass);
// Returns a block to the cache (no CUDA call: safe from GC finalizers). Work already queued on
// the one stream that reads the block runs before any later reuse of it.
void deviceFree(void* ptr, size_t sizeClass);
// Waits for the stream, then cudaFree's every cached block.
void deviceTrim();
size_t deviceSizeClass(size_t bytes);

void copyToDevice(void* dst, const void* hostSrc, size_t bytes);  // counted
void copyToHost(void* hostDst, const void* src, size_t bytes);    // counted; waits for the result
void copyOnDevice(void* dst, const void* src, size_t bytes);      // async on the stream
void fillDevice(float* dst, size_t n, float value);               // async on the stream
void synchronize();                                               // waits for the stream
DeviceStats deviceStats();

// Scratch memory for the length of one host call (returned to the cache on scope exit).
class DeviceScratch {
 public:
  explicit DeviceScratch(size_t bytes) : ptr_(deviceAlloc(bytes == 0 ? 1 : bytes, &cls_)) {}
  ~DeviceScratch() { deviceFree(ptr_, cls_); }
  DeviceScratch(const DeviceScratch&) = delete;
  DeviceScratch& operator=(const DeviceScratch&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }

 private:
  size_t cls_ = 0;
  void* ptr_;
};

}  // namespace cuda
}  // namespace ftm
