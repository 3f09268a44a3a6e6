// Glue for the norm kernels: unwrap arguments, check memory safety, call native/cpu.
#include "../cpu/norm.h"
#include "glue.h"

namespace ftm {
namespace {

BatchNormShape argBatchNormShape(const Napi::CallbackInfo& info, size_t i, std::vector<int64_t>& shape) {
  shape = argShape(info, i, "shape");
  requireRank(info.Env(), shape, 4, "shape");
  return BatchNormShape{shape[0], shape[1], shape[2] * shape[3]};
}

void requireOptionalLength(Napi::Env env, const F32& a, size_t expected, const char* name) {
  if (a.data != nullptr) requireLength(env, a, expected, name);
}

// batchNormForward(x, shape[N,C,H,W], weight|null, bias|null, runningMean|null, runningVar|null,
//                  training, momentum, eps, y, saveMean, saveInvStd[, relu])
Napi::Value batchNormForwardJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 12, "batchNormForward");
  std::vector<int64_t> shape;
  const F32 x = argF32(info, 0, "x");
  const BatchNormShape s = argBatchNormShape(info, 1, shape);
  const F32 weight = argF32OrNull(info, 2, "weight");
  const F32 bias = argF32OrNull(info, 3, "bias");
  const F32 runningMean = argF32OrNull(info, 4, "runningMean");
  const F32 runningVar = argF32OrNull(info, 5, "runningVar");
  const bool training = argBool(info, 6, "training");
  const double momentum = argDouble(info, 7, "momentum");
  const double eps = argDouble(info, 8, "eps");
  const F32 y = argF32(info, 9, "y");
  const F32 saveMean = argF32(info, 10, "saveMean");
  const F32 saveInvStd = argF32(info, 11, "saveInvStd");
  const size_t c = static_cast<size_t>(s.c);
  requireLength(env, x, numel(shape), "x");
  requireLength(env, y, numel(shape), "y");
  requireOptionalLength(env, weight, c, "weight");
  requireOptionalLength(env, bias, c, "bias");
  requireOptionalLength(env, runningMean, c, "runningMean");
  requireOptionalLength(env, runningVar, c, "runningVar");
  requireLength(env, saveMean, c, "saveMean");
  requireLength(env, saveInvStd, c, "saveInvStd");
  if (!training && (runningMean.data == nullptr || runningVar.data == nullptr))
    throwType(env, "running statistics in eval mode", "runningMean", info[runningMean.data ? 5 : 4]);
  const bool relu = info.Length() > 12 && argBool(info, 12, "relu");
  if (relu && x.data == y.data) throwRange(env, "an output buffer other than x", "y", "x itself");
  batchNormForward(x.data, s, weight.data, bias.data, runningMean.data, runningVar.data, training, momentum,
                   eps, y.data, saveMean.data, saveInvStd.data, relu);
  return env.Undefined();
}

// batchNormBackward(x, dy, shape[N,C,H,W], weight|null, saveMean, saveInvStd, training,
//                   dx|null, dweight|null, dbias|null[, relu[, bias|null]])
// relu: the backward of batchNormForward(..., relu = true) with the same weight and bias.
Napi::Value batchNormBackwardJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgs(info, 10, "batchNormBackward");
  std::vector<int64_t> shape;
  const F32 x = argF32(info, 0, "x");
  const F32 dy = argF32(info, 1, "dy");
  const BatchNormShape s = argBatchNormShape(info, 2, shape);
  const F32 weight = argF32OrNull(info, 3, "weight");
  const F32 saveMean = argF32(info, 4, "saveMean");
  const F32 saveInvStd = argF32(info, 5, "saveInvStd");
  const bool training = argBool(info, 6, "training");
  const F32 dx = argF32OrNull(info, 7, "dx");
  const F32 dweight = argF32OrNull(info, 8, "dweight");
  const F32 dbias = argF32OrNull(info, 9, "dbias");
  const bool relu = info.Length() > 10 && argBool(info, 10, "relu");
  const F32 bias = info.Length() > 11 ? argF32OrNull(info, 11, "bias") : F32{};
  const size_t c = static_cast<size_t>(s.c);
  requireLength(env, x, numel(shape), "x");
  requireLength(env, dy, numel(shape), "dy");
  requireOptionalLength(env, dx, numel(shape), "dx");
  requireOptionalLength(env, weight, c, "weight");
  requireLength(env, saveMean, c, "saveMean");
  requireLength(env, saveInvStd, c, "saveInvStd");
  requireOptionalLength(env, dweight, c, "dweight");
  requireOptionalLength(env, dbias, c, "dbias");
  requireOptionalLength(env, bias, c, "bias");
  batchNormBackward(x.data, dy.data, s, weight.data, saveMean.data, saveInvStd.data, training, dx.data,
                    dweight.data, dbias.data, relu, bias.data);
  return env.Undefined();
}

}  // namespace

void registerNorm(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "batchNormForward", batchNormForwardJs);
  exportFunction(env, exports, "batchNormBackward", batchNormBackwardJs);
}

}  // namespace ftm
