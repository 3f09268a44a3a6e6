// Glue for the elementwise kernels: unwrap arguments, check memory safety, call native/cpu.
#include "glue.h"

namespace ftm {

void registerElementwise(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace ftm
