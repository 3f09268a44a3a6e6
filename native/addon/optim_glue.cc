// Glue for the optim kernels: unwrap arguments, check memory safety, call native/cpu.
#include "glue.h"

namespace ftm {

void registerOptim(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace ftm
