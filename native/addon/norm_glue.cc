// Glue for the norm kernels: unwrap arguments, check memory safety, call native/cpu.
#include "glue.h"

namespace ftm {

void registerNorm(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace ftm
