// Glue for the optim kernels: unwrap arguments, check memory safety, call native/cpu.
#include "../cpu/optim.h"
#include "glue.h"

namespace ftm {

// sgdStep(p, g, momentumBuf|null, lr, momentum, dampening, weightDecay, nesterov, firstStep)
static Napi::Value sgdStepGlue(const Napi::CallbackInfo& info) {
  requireArgs(info, 9, "sgdStep");
  F32 p = argF32(info, 0, "p");
  F32 g = argF32(info, 1, "g");
  F32 buf = argF32OrNull(info, 2, "momentumBuf");
  SgdOptions o;
  o.lr = static_cast<float>(argDouble(info, 3, "lr"));
  o.momentum = static_cast<float>(argDouble(info, 4, "momentum"));
  o.dampening = static_cast<float>(argDouble(info, 5, "dampening"));
  o.weightDecay = static_cast<float>(argDouble(info, 6, "weightDecay"));
  o.nesterov = argBool(info, 7, "nesterov");
  o.firstStep = argBool(info, 8, "firstStep");
  requireLength(info.Env(), g, p.length, "g");
  if (o.momentum != 0.0f) {
    if (buf.data == nullptr) throwType(info.Env(), "Float32Array", "momentumBuf", info[2]);
    requireLength(info.Env(), buf, p.length, "momentumBuf");
  }
  sgdStep(p.data, g.data, buf.data, p.length, o);
  return info.Env().Undefined();
}

// adamwStep(p, g, m, v, lr, beta1, beta2, eps, weightDecay, step)
static Napi::Value adamwStepGlue(const Napi::CallbackInfo& info) {
  requireArgs(info, 10, "adamwStep");
  F32 p = argF32(info, 0, "p");
  F32 g = argF32(info, 1, "g");
  F32 m = argF32(info, 2, "m");
  F32 v = argF32(info, 3, "v");
  AdamWOptions o;
  o.lr = static_cast<float>(argDouble(info, 4, "lr"));
  o.beta1 = static_cast<float>(argDouble(info, 5, "beta1"));
  o.beta2 = static_cast<float>(argDouble(info, 6, "beta2"));
  o.eps = static_cast<float>(argDouble(info, 7, "eps"));
  o.weightDecay = static_cast<float>(argDouble(info, 8, "weightDecay"));
  o.step = static_cast<double>(argInt(info, 9, "step"));
  if (o.step < 1) throwRange(info.Env(), "a step >= 1", "step", std::to_string(o.step));
  requireLength(info.Env(), g, p.length, "g");
  requireLength(info.Env(), m, p.length, "m");
  requireLength(info.Env(), v, p.length, "v");
  adamwStep(p.data, g.data, m.data, v.data, p.length, o);
  return info.Env().Undefined();
}

// sumSquares(x) -> number (double)
static Napi::Value sumSquaresGlue(const Napi::CallbackInfo& info) {
  requireArgs(info, 1, "sumSquares");
  F32 x = argF32(info, 0, "x");
  return Napi::Number::New(info.Env(), sumSquares(x.data, x.length));
}

// scaleInPlace(x, s)
static Napi::Value scaleInPlaceGlue(const Napi::CallbackInfo& info) {
  requireArgs(info, 2, "scaleInPlace");
  F32 x = argF32(info, 0, "x");
  const float s = static_cast<float>(argDouble(info, 1, "s"));
  scaleInPlace(x.data, x.length, s);
  return info.Env().Undefined();
}

void registerOptim(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "sgdStep", sgdStepGlue);
  exportFunction(env, exports, "adamwStep", adamwStepGlue);
  exportFunction(env, exports, "sumSquares", sumSquaresGlue);
  exportFunction(env, exports, "scaleInPlace", scaleInPlaceGlue);
}

}  // namespace ftm
