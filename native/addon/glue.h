// N-API glue helpers: argument unwrapping with memory-safety checks, and exception guards.
// TypeScript validates everything once; this layer re-checks only what memory safety needs.
#pragma once
#include <napi.h>

#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <vector>

namespace ftm {

struct F32 {
  float* data = nullptr;
  size_t length = 0;
};

inline std::string describeValue(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsTypedArray()) {
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_float32_array: return "Float32Array";
      case napi_float64_array: return "Float64Array";
      case napi_int32_array: return "Int32Array";
      case napi_uint8_array: return "Uint8Array";
      default: return "a typed array";
    }
  }
  if (v.IsArray()) return "an array";
  if (v.IsNumber()) return "a number";
  if (v.IsString()) return "a string";
  if (v.IsObject()) return "an object";
  return "a value of another type";
}

[[noreturn]] inline void throwType(Napi::Env env, const std::string& expected, const char* name,
                                   const Napi::Value& got) {
  throw Napi::TypeError::New(env, "Expected " + expected + " for " + name + " but received " +
                                      describeValue(got));
}

[[noreturn]] inline void throwRange(Napi::Env env, const std::string& expected, const char* name,
                                    const std::string& got) {
  throw Napi::RangeError::New(env, "Expected " + expected + " for " + name + " but received " + got);
}

inline F32 argF32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throwType(info.Env(), "Float32Array", name, v);
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  return F32{a.Data(), a.ElementLength()};
}

// Float32Array or null/undefined (optional tensors such as a bias).
inline F32 argF32OrNull(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (v.IsNull() || v.IsUndefined()) return F32{};
  return argF32(info, i, name);
}

inline int64_t argInt(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) throwType(info.Env(), "an integer", name, v);
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int64_t>(d)))
    throwRange(info.Env(), "an integer", name, std::to_string(d));
  return static_cast<int64_t>(d);
}

inline double argDouble(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) throwType(info.Env(), "a number", name, v);
  return v.As<Napi::Number>().DoubleValue();
}

inline bool argBool(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsBoolean()) throwType(info.Env(), "a boolean", name, v);
  return v.As<Napi::Boolean>().Value();
}

// A shape: array of positive integers.
inline std::vector<int64_t> argShape(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsArray()) throwType(info.Env(), "an array of sizes", name, v);
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> shape(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) {
    Napi::Value e = a.Get(k);
    if (!e.IsNumber()) throwType(info.Env(), "an array of sizes", name, v);
    double d = e.As<Napi::Number>().DoubleValue();
    if (!(d >= 1) || d != static_cast<double>(static_cast<int64_t>(d)))
      throwRange(info.Env(), "positive integer sizes", name, std::to_string(d));
    shape[k] = static_cast<int64_t>(d);
  }
  return shape;
}

inline size_t numel(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t s : shape) n *= static_cast<size_t>(s);
  return n;
}

// Memory safety: the buffer must hold exactly `expected` floats.
inline void requireLength(Napi::Env env, const F32& a, size_t expected, const char* name) {
  if (a.length != expected)
    throwRange(env, "a buffer of length " + std::to_string(expected), name,
               "length " + std::to_string(a.length));
}

inline void requireRank(Napi::Env env, const std::vector<int64_t>& shape, size_t rank, const char* name) {
  if (shape.size() != rank)
    throwRange(env, "a shape of rank " + std::to_string(rank), name, "rank " + std::to_string(shape.size()));
}

inline void requireArgs(const Napi::CallbackInfo& info, size_t n, const char* fn) {
  if (info.Length() < n)
    throw Napi::TypeError::New(info.Env(), std::string("Expected ") + std::to_string(n) +
                                               " arguments for " + fn + " but received " +
                                               std::to_string(info.Length()));
}

using GlueFn = Napi::Value (*)(const Napi::CallbackInfo&);

// Exports fn under name, turning C++ exceptions into JS errors (never a crash).
inline void exportFunction(Napi::Env env, Napi::Object exports, const char* name, GlueFn fn) {
  exports.Set(name, Napi::Function::New(
                        env,
                        [fn, name](const Napi::CallbackInfo& info) -> Napi::Value {
                          try {
                            return fn(info);
                          } catch (const Napi::Error&) {
                            throw;
                          } catch (const std::bad_alloc&) {
                            throw Napi::RangeError::New(info.Env(), std::string(name) + ": out of memory");
                          } catch (const std::exception& e) {
                            throw Napi::Error::New(info.Env(), std::string(name) + ": " + e.what());
                          }
                        },
                        name));
}

// Registration functions, one per glue file; main.cc calls them all.
void registerMemory(Napi::Env env, Napi::Object exports);
void registerInfo(Napi::Env env, Napi::Object exports);
void registerConv(Napi::Env env, Napi::Object exports);
void registerLinear(Napi::Env env, Napi::Object exports);
void registerBench(Napi::Env env, Napi::Object exports);
void registerElementwise(Napi::Env env, Napi::Object exports);
void registerNorm(Napi::Env env, Napi::Object exports);
void registerPool(Napi::Env env, Napi::Object exports);
void registerResize(Napi::Env env, Napi::Object exports);
void registerLoss(Napi::Env env, Napi::Object exports);
void registerOptim(Napi::Env env, Napi::Object exports);
void registerCuda(Napi::Env env, Napi::Object exports);

}  // namespace ftm
