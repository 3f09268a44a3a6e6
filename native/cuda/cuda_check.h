// CUDA error checking for .cu files: every runtime call and kernel launch goes through
// CUDA_CHECK, which throws a C++ exception (file:line + CUDA's message); never exits.
#pragma once
#include <cuda_runtime.h>

namespace ftm {
namespace cuda {

[[noreturn]] void throwCudaError(cudaError_t err, const char* expr, const char* file, int line);

}  // namespace cuda
}  // namespace ftm

#define CUDA_CHECK(expr)                                                             \
  do {                                                                               \
    const cudaError_t ftmCudaErr_ = (expr);                                          \
    if (ftmCudaErr_ != cudaSuccess)                                                  \
      ::ftm::cuda::throwCudaError(ftmCudaErr_, #expr, __FILE__, __LINE__);           \
  } while (0)

// After a <<<...>>> launch: configuration errors show up here, execution errors at the next
// synchronising call (a copy to the host), which is checked too.
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())
