// Glue for CUDA tensor memory: device buffers as JS handles, counted copies, stats.
#include <atomic>

#include "cuda_tensor_glue.h"

namespace ftm {

namespace {

// Device bytes returned by finalizers since the last report to V8. Reporting device memory as
// external memory makes V8 collect dead tensor handles before the device fills up.
std::atomic<int64_t> gFreedSinceReport{0};

void releaseDeviceBlock(Napi::Env /*env*/, DeviceBlock* b) {
  gFreedSinceReport.fetch_add(static_cast<int64_t>(b->sizeClass));
  cuda::deviceFree(b->data, b->sizeClass);
  delete b;
}

}  // namespace

Napi::Value newDeviceBuffer(Napi::Env env, size_t length, bool zero) {
  DeviceBlock* b = new DeviceBlock();
  try {
    b->data = static_cast<float*>(cuda::deviceAlloc(length * sizeof(float), &b->sizeClass));
    b->length = length;
    if (zero) cuda::fillDevice(b->data, length, 0.0f);
  } catch (...) {
    if (b->data) cuda::deviceFree(b->data, b->sizeClass);
    delete b;
    throw;
  }
  const int64_t freed = gFreedSinceReport.exchange(0);
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(b->sizeClass) - freed);
  Napi::External<DeviceBlock> ext = Napi::External<DeviceBlock>::New(env, b, releaseDeviceBlock);
  ext.TypeTag(deviceBufferTag());
  return ext;
}

namespace {

// cudaAlloc(length, zero) -> device buffer
Napi::Value cudaAllocJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 2, "cudaAlloc");
  const int64_t length = argInt(info, 0, "length");
  if (length < 0) throwRange(info.Env(), "a non-negative length", "length", std::to_string(length));
  return newDeviceBuffer(info.Env(), static_cast<size_t>(length), argBool(info, 1, "zero"));
}

// cudaUpload(dst: device, src: Float32Array) — same lengths.
Napi::Value cudaUploadJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 2, "cudaUpload");
  const DeviceF32 dst = argDevice(info, 0, "dst");
  const F32 src = argF32(info, 1, "src");
  requireLength(info.Env(), dst, src.length, "dst");
  cuda::copyToDevice(dst.data, src.data, src.length * sizeof(float));
  return info.Env().Undefined();
}

// cudaDownload(dst: Float32Array, src: device) — same lengths; waits for the device.
Napi::Value cudaDownloadJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 2, "cudaDownload");
  const F32 dst = argF32(info, 0, "dst");
  const DeviceF32 src = argDevice(info, 1, "src");
  requireLength(info.Env(), src, dst.length, "src");
  cuda::copyToHost(dst.data, src.data, dst.length * sizeof(float));
  return info.Env().Undefined();
}

// cudaCopy(dst: device, src: device) — same lengths, on the stream.
Napi::Value cudaCopyJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 2, "cudaCopy");
  const DeviceF32 dst = argDevice(info, 0, "dst");
  const DeviceF32 src = argDevice(info, 1, "src");
  requireLength(info.Env(), dst, src.length, "dst");
  cuda::copyOnDevice(dst.data, src.data, src.length * sizeof(float));
  return info.Env().Undefined();
}

// cudaFill(dst: device, value)
Napi::Value cudaFillJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 2, "cudaFill");
  const DeviceF32 dst = argDevice(info, 0, "dst");
  cuda::fillDevice(dst.data, dst.length, static_cast<float>(argDouble(info, 1, "value")));
  return info.Env().Undefined();
}

Napi::Value cudaLengthJs(const Napi::CallbackInfo& info) {
  requireArgs(info, 1, "cudaLength");
  return Napi::Number::New(info.Env(), static_cast<double>(argDevice(info, 0, "buffer").length));
}

Napi::Value cudaIsBufferJs(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), info.Length() > 0 && isDeviceBuffer(info[0]));
}

Napi::Value cudaSynchronizeJs(const Napi::CallbackInfo& info) {
  cuda::synchronize();
  return info.Env().Undefined();
}

Napi::Value cudaTrimJs(const Napi::CallbackInfo& info) {
  cuda::deviceTrim();
  return info.Env().Undefined();
}

Napi::Value cudaStatsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const cuda::DeviceStats s = cuda::deviceStats();
  Napi::Object o = Napi::Object::New(env);
  auto num = [&](const char* k, uint64_t v) { o.Set(k, Napi::Number::New(env, static_cast<double>(v))); };
  num("bytesInUse", s.bytesInUse);
  num("bytesCached", s.bytesCached);
  num("allocations", s.allocations);
  num("systemAllocations", s.systemAllocations);
  num("hostToDeviceCopies", s.hostToDeviceCopies);
  num("hostToDeviceBytes", s.hostToDeviceBytes);
  num("deviceToHostCopies", s.deviceToHostCopies);
  num("deviceToHostBytes", s.deviceToHostBytes);
  return o;
}

}  // namespace

void registerCudaTensor(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "cudaAlloc", cudaAllocJs);
  exportFunction(env, exports, "cudaUpload", cudaUploadJs);
  exportFunction(env, exports, "cudaDownload", cudaDownloadJs);
  exportFunction(env, exports, "cudaCopy", cudaCopyJs);
  exportFunction(env, exports, "cudaFill", cudaFillJs);
  exportFunction(env, exports, "cudaLength", cudaLengthJs);
  exportFunction(env, exports, "cudaIsBuffer", cudaIsBufferJs);
  exportFunction(env, exports, "cudaSynchronize", cudaSynchronizeJs);
  exportFunction(env, exports, "cudaTrim", cudaTrimJs);
  exportFunction(env, exports, "cudaStats", cudaStatsJs);
}

}  // namespace ftm
