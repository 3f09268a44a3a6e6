// Which convolution algorithm runs a stride-1 3x3 pass: the FTMTLNET_CONV / setConvAlgorithm
// setting, and under auto the shape heuristic (measured on the ops bench, see docs).
#include <atomic>
#include <cstdlib>
#include <stdexcept>

#include "cpu_features.h"
#include "thread_pool.h"
#include "winograd.h"

namespace ftm {
namespace {

constexpr int kUnset = -1;
std::atomic<int> gAlgorithm{kUnset};

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

ConvAlgorithm fromEnvironment() {
  const char* env = std::getenv("FTMTLNET_CONV");
  ConvAlgorithm a = ConvAlgorithm::Auto;
  if (env != nullptr && *env != '\0' && !parseConvAlgorithm(env, &a))
    throw std::invalid_argument(std::string("Expected auto, direct, wino2 or wino4 for FTMTLNET_CONV but received ") +
                                env);
  return a;
}

// Tile for a stride-1 3x3 correlation of C input and M output channels onto a P x Q output,
// or 0 for the direct path.
int tileFor(const ConvShape& s, int64_t C, int64_t M, int64_t P, int64_t Q, bool cachedWeights) {
  if (s.sh != 1 || s.sw != 1 || s.R != 3 || s.S != 3 || s.ph > 2 || s.pw > 2) return 0;
  switch (convAlgorithm()) {
    case ConvAlgorithm::Direct: return 0;
    case ConvAlgorithm::Wino2: return 2;
    case ConvAlgorithm::Wino4: return 4;
    case ConvAlgorithm::Auto: break;
  }
  // Measured (docs/winograd.md): with fewer than 16 channels on either side the transforms cost
  // more than the multiplies they save; with few tiles in the batch the GEMM's 48-wide panels
  // run mostly empty and the weight transform is not repaid. F(4,3) from 64 tiles per thread,
  // F(2,3) from 256 per thread: each thread needs that many of its own (on 2 threads a 32x32
  // plane at batch 1, 64 tiles, ran 1.2-1.4x slower than direct; 256 tiles ran 0.74-0.83x).
  // With AVX2 (16-wide rows kernel, transforms on two ymm halves) 16 channels lose too (1.4x).
  // Weights kept between calls (the fused inference conv) make F(2,3) pay from 128 tiles per
  // thread: a 32x32 plane at batch 1 on 2 threads, 128 -> 128 channels 0.73 ms against 0.88
  // direct; built per call it lost there (96 -> 96: 0.63 ms against 0.51).
  const int64_t minChannels = simdLevel() == SimdLevel::Avx2 ? 32 : 16;
  if (C < minChannels || M < minChannels) return 0;
  const int64_t threads = numThreads() > 1 ? numThreads() : 1;
  if (s.N * ceilDiv(P, 4) * ceilDiv(Q, 4) >= 64 * threads) return 4;
  if (s.N * ceilDiv(P, 2) * ceilDiv(Q, 2) >= (cachedWeights ? 128 : 256) * threads) return 2;
  return 0;
}

}  // namespace

bool parseConvAlgorithm(const std::string& name, ConvAlgorithm* algorithm) {
  for (ConvAlgorithm a : {ConvAlgorithm::Auto, ConvAlgorithm::Direct, ConvAlgorithm::Wino2, ConvAlgorithm::Wino4})
    if (name == convAlgorithmName(a)) {
      *algorithm = a;
      return true;
    }
  return false;
}

const char* convAlgorithmName(ConvAlgorithm algorithm) {
  switch (algorithm) {
    case ConvAlgorithm::Direct: return "direct";
    case ConvAlgorithm::Wino2: return "wino2";
    case ConvAlgorithm::Wino4: return "wino4";
    default: return "auto";
  }
}

ConvAlgorithm convAlgorithm() {
  int a = gAlgorithm.load();
  if (a == kUnset) {
    a = static_cast<int>(fromEnvironment());
    gAlgorithm.store(a);
  }
  return static_cast<ConvAlgorithm>(a);
}

void setConvAlgorithm(ConvAlgorithm algorithm) { gAlgorithm.store(static_cast<int>(algorithm)); }

int winogradForwardTile(const ConvShape& s, bool cachedWeights) { return tileFor(s, s.C, s.K, s.P, s.Q, cachedWeights); }

int winogradBackwardDataTile(const ConvShape& s) { return tileFor(s, s.K, s.C, s.H, s.W, false); }

}  // namespace ftm
