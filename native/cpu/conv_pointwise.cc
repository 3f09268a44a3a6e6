// Streaming 1x1 convolution for few output channels (see conv_pointwise.h). The rows GEMM pads
// the output channels to its 8-row tile and copies every input plane into per-thread bands;
// for one output channel over a 256x256 plane it took 2-4x the time of reading the input once.
#include "conv_pointwise.h"

#include <algorithm>

#include "conv_passes.h"

namespace ftm {

using namespace conv_detail;

namespace {

// Pixels per work unit: 16 KiB of each accumulator row, which stays in L1 while the channel
// planes stream past it.
constexpr int64_t kChunk = 4096;

}  // namespace

bool pointwiseApplies(const ConvShape& s) {
  return s.R == 1 && s.S == 1 && s.sh == 1 && s.sw == 1 && s.ph == 0 && s.pw == 0 && s.K <= kPointwiseMaxOutputs;
}

void pointwiseForward(const ConvShape& s, const std::vector<ConvSource>& xs, const float* w, const float* b, float* y,
                      bool relu, const float* rowScale) {
  const int64_t HW = s.H * s.W;
  const int64_t K = s.K;
  // Scaled weights.
  std::vector<float> wk(static_cast<size_t>(K * s.C));
  for (int64_t k = 0; k < K; ++k)
    for (int64_t c = 0; c < s.C; ++c) wk[k * s.C + c] = w[k * s.C + c] * (rowScale != nullptr ? rowScale[k] : 1.0f);
  const ChannelMap channels(xs);
  // Pixels per unit: kChunk, or less where that leaves fewer than two units per thread (the
  // detection heads' 32x32 planes at batch 1 ran on one thread), but not under 256.
  const int64_t threads = numThreads();
  int64_t chunk = kChunk;
  if (threads > 1 && s.N * ((HW + kChunk - 1) / kChunk) < 2 * threads)
    chunk = std::min(kChunk, std::max<int64_t>(256, (HW / (2 * threads) + 15) / 16 * 16));
  const int64_t chunks = (HW + chunk - 1) / chunk;
  const auto work = [&](size_t begin, size_t end, int) {
    // Accumulator rows, one per output channel (per-thread scratch slot 7).
    float* accRows = threadScratch(7, static_cast<size_t>(K * kChunk));
    float* acc[kPointwiseMaxOutputs];
    for (int64_t k = 0; k < K; ++k) acc[k] = accRows + k * kChunk;
    for (size_t u = begin; u < end; ++u) {
      const int64_t n = static_cast<int64_t>(u) / chunks;
      const int64_t p0 = static_cast<int64_t>(u) % chunks * chunk;
      const int64_t len = std::min(chunk, HW - p0);
      for (int64_t k = 0; k < K; ++k) std::fill(acc[k], acc[k] + len, b != nullptr ? b[k] : 0.0f);
      for (int64_t c = 0; c < s.C; ++c) {
        const float* __restrict x = channels.plane(xs, n, c, HW) + p0;
        for (int64_t k = 0; k < K; ++k) {
          const float wv = wk[k * s.C + c];
          float* __restrict a = acc[k];
          for (int64_t p = 0; p < len; ++p) a[p] += wv * x[p];
        }
      }
      for (int64_t k = 0; k < K; ++k) {
        float* out = y + (n * K + k) * HW + p0;
        if (relu)
          for (int64_t p = 0; p < len; ++p) out[p] = std::max(acc[k][p], 0.0f);
        else
          std::copy(acc[k], acc[k] + len, out);
      }
    }
  };
  const size_t units = static_cast<size_t>(s.N * chunks);
  // Below about 2 chunks per thread the pass is not worth splitting.
  if (units < 4 || threads < 2) work(0, units, 0);
  else parallelFor(units, work);
}

}  // namespace ftm
