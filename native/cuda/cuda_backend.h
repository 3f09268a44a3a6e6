// The CUDA backend's host-side interface, the same whether CUDA was built or stubbed.
#pragma once
#include <string>

namespace ftm {

struct CudaInfo {
  bool built = false;        // compiled with nvcc
  bool available = false;    // a usable device was found at run time
  int devices = 0;
  std::string reason;        // why not available ("" when available)
  std::string name;          // device 0 name
  int computeMajor = 0;
  int computeMinor = 0;
};

CudaInfo cudaInfo();

}  // namespace ftm
