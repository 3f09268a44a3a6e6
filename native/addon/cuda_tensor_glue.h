// N-API side of CUDA tensors: a device buffer is a type-tagged External over a DeviceBlock;
// arguments are unwrapped with the same memory-safety checks as the CPU glue (glue.h).
#pragma once
#include <cstdint>
#include <string>

#include "../cuda/cuda_device.h"
#include "glue.h"

namespace ftm {

struct DeviceBlock {
  float* data = nullptr;
  size_t length = 0;     // floats
  size_t sizeClass = 0;  // bytes reserved by the caching allocator
};

// Same shape as F32 so the kernel glue reads like its CPU twin.
struct DeviceF32 {
  float* data = nullptr;
  size_t length = 0;
};

// Distinguishes our externals from any other External a caller might pass.
inline const napi_type_tag* deviceBufferTag() {
  static const napi_type_tag tag = {0x6674'6d74'6c6e'6574ULL, 0x6375'6461'6275'6631ULL};
  return &tag;
}

inline bool isDeviceBuffer(const Napi::Value& v) {
  return v.IsExternal() && v.As<Napi::External<DeviceBlock>>().CheckTypeTag(deviceBufferTag());
}

inline DeviceF32 argDevice(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!isDeviceBuffer(v)) throwType(info.Env(), "a CUDA device buffer", name, v);
  const DeviceBlock* b = v.As<Napi::External<DeviceBlock>>().Data();
  return DeviceF32{b->data, b->length};
}

inline DeviceF32 argDeviceOrNull(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (v.IsNull() || v.IsUndefined()) return DeviceF32{};
  return argDevice(info, i, name);
}

inline void requireLength(Napi::Env env, const DeviceF32& a, size_t expected, const char* name) {
  if (a.length != expected)
    throwRange(env, "a device buffer of length " + std::to_string(expected), name,
               "length " + std::to_string(a.length));
}

inline void requireOptionalLength(Napi::Env env, const DeviceF32& a, size_t expected, const char* name) {
  if (a.data != nullptr) requireLength(env, a, expected, name);
}

// An array of `count` integers >= min (e.g. paddings, which may be 0).
inline std::vector<int64_t> argInts(const Napi::CallbackInfo& info, size_t i, const char* name, size_t count,
                                    int64_t min) {
  Napi::Value v = info[i];
  if (!v.IsArray() || v.As<Napi::Array>().Length() != count)
    throwType(info.Env(), "an array of " + std::to_string(count) + " integers", name, v);
  std::vector<int64_t> out(count);
  for (uint32_t k = 0; k < count; ++k) {
    Napi::Value e = v.As<Napi::Array>().Get(k);
    const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1e300;
    if (!(d >= static_cast<double>(min)) || d != static_cast<double>(static_cast<int64_t>(d)))
      throwRange(info.Env(), "integers >= " + std::to_string(min), name, describeValue(e));
    out[k] = static_cast<int64_t>(d);
  }
  return out;
}

// A new device buffer of `length` floats (uninitialised unless zero).
Napi::Value newDeviceBuffer(Napi::Env env, size_t length, bool zero);

// Registration of the CUDA glue files (called by registerCuda when built with CUDA).
void registerCudaTensor(Napi::Env env, Napi::Object exports);
void registerCudaElementwise(Napi::Env env, Napi::Object exports);
void registerCudaConv(Napi::Env env, Napi::Object exports);
void registerCudaLayers(Napi::Env env, Napi::Object exports);
void registerCudaOptim(Napi::Env env, Napi::Object exports);
void registerCudaLoss(Napi::Env env, Napi::Object exports);

}  // namespace ftm
