// Glue for the linear kernels: unwrap arguments, check memory safety, call native/cpu.
#include "glue.h"

namespace ftm {

void registerLinear(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace ftm
