// The CUDA backend's host side: device discovery (cudaInfo), error text, the one stream, the
// caching device allocator and counted host<->device copies.
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "cuda_backend.h"
#include "cuda_device.h"
#include "cuda_launch.h"

namespace ftm {
namespace cuda {

void throwCudaError(cudaError_t err, const char* expr, const char* file, int line) {
  // Keep the path from "native/" on (CMake passes absolute paths).
  const char* shortFile = std::strstr(file, "native/");
  std::string msg = std::string("CUDA error ") + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) +
                    ") in " + expr + " at " + (shortFile ? shortFile : file) + ":" + std::to_string(line);
  throw std::runtime_error(msg);
}

namespace {

struct DeviceState {
  std::mutex mutex;
  bool ready = false;
  cudaStream_t stream = nullptr;
  std::map<size_t, std::vector<void*>> cache;  // size class -> free blocks
  DeviceStats stats{};
};

// Never destroyed: GC finalizers may return blocks during process teardown.
DeviceState& state() {
  static DeviceState* s = new DeviceState();
  return *s;
}

// The oldest architecture with code in this build (75-virtual PTX).
constexpr int kMinMajor = 7;
constexpr int kMinMinor = 5;

__global__ void fillKernel(float* dst, size_t n, float value) {
  CUDA_GRID_LOOP(i, n) dst[i] = value;
}

}  // namespace

void requireDevice() {
  DeviceState& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.ready) return;
  const CudaInfo info = cudaInfo();
  if (!info.available) throw std::runtime_error("CUDA is not available: " + info.reason);
  CUDA_CHECK(cudaSetDevice(0));
  CUDA_CHECK(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking));
  s.ready = true;
}

cudaStream_t stream() {
  requireDevice();
  return state().stream;
}

size_t deviceSizeClass(size_t bytes) {
  if (bytes == 0) bytes = 1;
  // 512-byte steps below 1 MiB, 128 KiB steps up to 64 MiB, 2 MiB steps above.
  const size_t step = bytes < (size_t{1} << 20) ? 512 : bytes < (size_t{64} << 20) ? (size_t{128} << 10) : (size_t{2} << 20);
  return (bytes + step - 1) / step * step;
}

void* deviceAlloc(size_t bytes, size_t* sizeClass) {
  requireDevice();
  DeviceState& s = state();
  const size_t cls = deviceSizeClass(bytes);
  *sizeClass = cls;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.stats.allocations++;
    auto it = s.cache.find(cls);
    if (it != s.cache.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      s.stats.bytesCached -= cls;
      s.stats.bytesInUse += cls;
      return p;
    }
  }
  void* p = nullptr;
  cudaError_t err = cudaMalloc(&p, cls);
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear it, give the cache back, try once more
    deviceTrim();
    err = cudaMalloc(&p, cls);
  }
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    const DeviceStats st = deviceStats();
    throw std::runtime_error("CUDA out of memory allocating " + std::to_string(cls >> 20) + " MiB (" +
                             std::to_string(st.bytesInUse >> 20) + " MiB in use by tensors)");
  }
  CUDA_CHECK(err);
  std::lock_guard<std::mutex> lock(s.mutex);
  s.stats.systemAllocations++;
  s.stats.bytesInUse += cls;
  return p;
}

void deviceFree(void* ptr, size_t sizeClass) {
  if (ptr == nullptr) return;
  DeviceState& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.cache[sizeClass].push_back(ptr);
  s.stats.bytesInUse -= sizeClass;
  s.stats.bytesCached += sizeClass;
}

void deviceTrim() {
  DeviceState& s = state();
  if (!s.ready) return;
  CUDA_CHECK(cudaStreamSynchronize(s.stream));
  std::map<size_t, std::vector<void*>> blocks;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    blocks.swap(s.cache);
    s.stats.bytesCached = 0;
  }
  for (auto& kv : blocks)
    for (void* p : kv.second) CUDA_CHECK(cudaFree(p));
}

void copyToDevice(void* dst, const void* hostSrc, size_t bytes) {
  if (bytes == 0) return;
  cudaStream_t st = stream();
  // Pageable host memory owned by JS: wait until the copy is done so the caller may free or
  // reuse the source at once (uploads are rare: a batch, the weights).
  CUDA_CHECK(cudaMemcpyAsync(dst, hostSrc, bytes, cudaMemcpyHostToDevice, st));
  CUDA_CHECK(cudaStreamSynchronize(st));
  std::lock_guard<std::mutex> lock(state().mutex);
  state().stats.hostToDeviceCopies++;
  state().stats.hostToDeviceBytes += bytes;
}

void copyToHost(void* hostDst, const void* src, size_t bytes) {
  cudaStream_t st = stream();
  if (bytes > 0) CUDA_CHECK(cudaMemcpyAsync(hostDst, src, bytes, cudaMemcpyDeviceToHost, st));
  CUDA_CHECK(cudaStreamSynchronize(st));
  std::lock_guard<std::mutex> lock(state().mutex);
  state().stats.deviceToHostCopies++;
  state().stats.deviceToHostBytes += bytes;
}

void copyOnDevice(void* dst, const void* src, size_t bytes) {
  if (bytes == 0 || dst == src) return;
  CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream()));
}

void fillDevice(float* dst, size_t n, float value) {
  if (n == 0) return;
  cudaStream_t st = stream();
  if (value == 0.0f) {
    CUDA_CHECK(cudaMemsetAsync(dst, 0, n * sizeof(float), st));
    return;
  }
  fillKernel<<<gridFor(n), kThreads, 0, st>>>(dst, n, value);
  CUDA_CHECK_LAUNCH();
}

void synchronize() { CUDA_CHECK(cudaStreamSynchronize(stream())); }

DeviceStats deviceStats() {
  std::lock_guard<std::mutex> lock(state().mutex);
  return state().stats;
}

}  // namespace cuda

CudaInfo cudaInfo() {
  CudaInfo info;
  info.built = true;
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();
    info.reason = std::string("no CUDA device (cudaGetDeviceCount: ") + cudaGetErrorString(err) + ")";
    return info;
  }
  if (count == 0) {
    info.reason = "no CUDA device (cudaGetDeviceCount found 0 devices)";
    return info;
  }
  info.devices = count;
  cudaDeviceProp prop;
  const cudaError_t perr = cudaGetDeviceProperties(&prop, 0);
  if (perr != cudaSuccess) {
    cudaGetLastError();
    info.reason = std::string("CUDA device 0 cannot be queried (") + cudaGetErrorString(perr) + ")";
    return info;
  }
  info.name = prop.name;
  info.computeMajor = prop.major;
  info.computeMinor = prop.minor;
  if (prop.major < cuda::kMinMajor || (prop.major == cuda::kMinMajor && prop.minor < cuda::kMinMinor)) {
    info.reason = "CUDA device 0 (" + info.name + ") has compute capability " + std::to_string(prop.major) + "." +
                  std::to_string(prop.minor) + ", older than 7.5, the oldest this build supports";
    return info;
  }
  info.available = true;
  return info;
}

}  // namespace ftm
