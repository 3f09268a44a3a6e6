// Stand-in for the CUDA backend when nvcc was not found or FTMTLNET_CUDA=OFF.
#include "cuda_backend.h"

namespace ftm {

CudaInfo cudaInfo() {
  CudaInfo info;
  info.reason = "built without CUDA";
  return info;
}

}  // namespace ftm
