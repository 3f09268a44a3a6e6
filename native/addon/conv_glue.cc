// Glue for the conv kernels: unwrap arguments, check memory safety, call native/cpu.
#include "glue.h"

namespace ftm {

void registerConv(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace ftm
