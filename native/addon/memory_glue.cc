// Glue for native memory: aligned pooled buffers handed to JS as external Float32Arrays.
#include <atomic>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "../cpu/memory_pool.h"
#include "../cpu/winograd_weights.h"
#include "glue.h"

namespace ftm {
namespace {

// The pool's footprint (bytes in use + cached) as last reported to V8. V8 is told how the
// footprint grows and shrinks, not each block handed out and back: a training step that takes
// and returns hundreds of MB of activations from the cache every step does not grow the
// process, and reporting each block made V8 run a full collection every ~64 MB of them
// (about 10 a step at 512 px). Memory a leak keeps from the cache still grows the footprint
// and so still drives collections.
//
// V8 also counts every ArrayBuffer's bytes as external memory on its own, from creation until
// it is detached or swept, and starts a marking when that count passes 64 MB over what it was
// at the last full collection. Counted on top of the footprint, the tensors a training step
// keeps for its backward pass passed it every step: a full collection per step (s/256 batch
// 8: 18 over 15 profiled steps, 6 with the count cancelled; the step 0.89x as long, interleaved
// runs). So each buffer's own count is cancelled: alloc subtracts it, release adds back what
// the detach subtracts, and a buffer V8 sweeps without a release adds it back at the next
// report (finalizers may not call V8). What V8 sees is then the footprint alone.
std::atomic<int64_t> gReported{0};
// Bytes of buffers V8 swept (without a release) since the last report, per JS thread: finalizers
// run on the thread of the environment that made the buffer, which is the one to report them.
thread_local int64_t tSwept = 0;

// Tells V8 how the footprint moved since the last report (finalizers may not call V8: the
// next alloc, release or trim reports what they changed).
void reportFootprint(Napi::Env env) {
  const PoolStats s = poolStats();
  const int64_t now = static_cast<int64_t>(s.bytesInUse + s.bytesCached);
  const int64_t swept = tSwept;
  tSwept = 0;
  const int64_t delta = now - gReported.exchange(now) + swept;
  if (delta != 0) Napi::MemoryManagement::AdjustExternalMemory(env, delta);
}

// One pooled block behind a JS ArrayBuffer. release() can hand it back before the garbage
// collector does; the finalizer then only frees the record.
struct BufferInfo {
  bool released = false;
  int64_t bytes = 0;
};

// Live pooled blocks by address, for release() (worker threads have their own JS threads).
std::mutex gLiveMu;
std::unordered_map<void*, BufferInfo*> gLive;

void releaseBuffer(Napi::Env /*env*/, void* data, BufferInfo* info) {
  bool free = false;
  {
    std::lock_guard<std::mutex> lock(gLiveMu);
    if (!info->released) {
      gLive.erase(data);
      free = true;
    }
  }
  if (free) {
    poolFree(data);
    tSwept += info->bytes;
  }
  delete info;
}

// alloc(length, zero) -> Float32Array of `length` floats over a 64-byte aligned pooled block.
Napi::Value alloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 2, "alloc");
  const int64_t length = argInt(info, 0, "length");
  if (length < 0) throwRange(env, "a non-negative length", "length", std::to_string(length));
  const bool zero = argBool(info, 1, "zero");
  const size_t bytes = static_cast<size_t>(length) * sizeof(float);
  void* data = poolAlloc(bytes);
  if (zero) std::memset(data, 0, bytes);
  reportFootprint(env);
  BufferInfo* record = new BufferInfo{false, static_cast<int64_t>(bytes)};
  {
    std::lock_guard<std::mutex> lock(gLiveMu);
    gLive[data] = record;
  }
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, data, bytes, releaseBuffer, record);
  if (bytes != 0) Napi::MemoryManagement::AdjustExternalMemory(env, -static_cast<int64_t>(bytes));
  return Napi::Float32Array::New(env, static_cast<size_t>(length), buffer, 0);
}

// release(a) -> true when a's block came from alloc() and went back to the pool now. The
// ArrayBuffer is detached (every view of it reads as empty), so no JS code can touch the
// block after it is handed to the next alloc(). Arrays not made by alloc() are left alone.
Napi::Value release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const F32 a = argF32(info, 0, "array");
  Napi::ArrayBuffer buffer = info[0].As<Napi::Float32Array>().ArrayBuffer();
  void* data = buffer.Data();
  if (data == nullptr || static_cast<void*>(a.data) != data) return Napi::Boolean::New(env, false);
  int64_t bytes = 0;
  {
    std::lock_guard<std::mutex> lock(gLiveMu);
    auto it = gLive.find(data);
    if (it == gLive.end()) return Napi::Boolean::New(env, false);
    it->second->released = true;
    bytes = it->second->bytes;
    gLive.erase(it);
  }
  buffer.Detach();
  poolFree(data);
  if (bytes != 0) Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  reportFootprint(env);
  return Napi::Boolean::New(env, true);
}

Napi::Value poolStatsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const PoolStats s = poolStats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("bytesInUse", Napi::Number::New(env, static_cast<double>(s.bytesInUse)));
  o.Set("bytesCached", Napi::Number::New(env, static_cast<double>(s.bytesCached)));
  o.Set("allocations", Napi::Number::New(env, static_cast<double>(s.allocations)));
  o.Set("systemAllocations", Napi::Number::New(env, static_cast<double>(s.systemAllocations)));
  o.Set("weightCacheBytes", Napi::Number::New(env, static_cast<double>(winogradCacheBytes())));
  return o;
}

Napi::Value poolTrimJs(const Napi::CallbackInfo& info) {
  winogradCacheClear();
  poolTrim();
  reportFootprint(info.Env());
  return info.Env().Undefined();
}

// isAligned(a) -> whether a Float32Array's data starts on a 64-byte boundary.
Napi::Value isAligned(const Napi::CallbackInfo& info) {
  F32 a = argF32(info, 0, "array");
  return Napi::Boolean::New(info.Env(), (reinterpret_cast<uintptr_t>(a.data) & 63) == 0);
}

}  // namespace

void registerMemory(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "alloc", alloc);
  exportFunction(env, exports, "release", release);
  exportFunction(env, exports, "poolStats", poolStatsJs);
  exportFunction(env, exports, "poolTrim", poolTrimJs);
  exportFunction(env, exports, "isAligned", isAligned);
}

}  // namespace ftm
