// Convolution backward-weight: dW (K x CRS) = sum_n dy_n (K x grid) * rows(x_n)^T, pixels split
// over threads with per-thread partial sums; db = sum of dy over images and pixels.
#include "conv.h"
#include "conv_passes.h"

namespace ftm {

using namespace conv_detail;

void convBackwardWeightSources(const ConvShape& s, const std::vector<ConvSource>& xs, const float* dy, float* dw,
                               float* db) {
  const int64_t HW = s.H * s.W;
  const int64_t PQ = s.P * s.Q;
  const int64_t CRS = s.C * s.R * s.S;
  if (db != nullptr) {
    const auto sums = [&](size_t begin, size_t end, int) {
      for (size_t k = begin; k < end; ++k) {
        double sum = 0;
        for (int64_t n = 0; n < s.N; ++n) {
          const float* row = dy + (n * s.K + static_cast<int64_t>(k)) * PQ;
          float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // independent sums (vectorisable)
          int64_t i = 0;
          for (; i + 8 <= PQ; i += 8)
            for (int l = 0; l < 8; ++l) part[l] += row[i + l];
          for (; i < PQ; ++i) part[0] += row[i];
          for (int l = 0; l < 8; ++l) sum += part[l];
        }
        db[k] = static_cast<float>(sum);
      }
    };
    if (s.N * s.K * PQ < (1 << 16)) sums(0, static_cast<size_t>(s.K), 0);
    else parallelFor(static_cast<size_t>(s.K), sums);
  }
  if (dw == nullptr) return;
  const Taps taps = forwardTaps(s);
  const ChannelMap channelMap(xs);
  const PlaneGeometry geo(s.H, s.W, taps, s.P, s.Q);
  const int64_t Wg = geo.gridWidth();
  // Split the output rows of all images into one contiguous range per thread; each thread
  // sums into its own dW, walking its range in bands whose bordered planes and dy rows (zero
  // in the grid's extra columns, so those add nothing) it copies into its own cache.
  const int64_t totalRows = s.N * s.P;
  const double flops = 2.0 * s.K * CRS * totalRows * Wg;
  const int threads = static_cast<int>(std::max<int64_t>(
      1, std::min<int64_t>({numThreads(), totalRows, static_cast<int64_t>(flops / kParallelFlops)})));
  const int64_t halo = geo.bandRowCount(0, 1) - 1;
  const int64_t rowBytes = (s.C * geo.bandFloats(1) + s.K * Wg) * static_cast<int64_t>(sizeof(float));
  const int64_t bandH = std::min(s.P, std::max<int64_t>(1, kBandBytes / rowBytes - halo));
  std::vector<std::unique_ptr<PoolFloats>> partial(static_cast<size_t>(threads));
  for (int t = 1; t < threads; ++t) partial[t].reset(new PoolFloats(s.K * CRS));
  const auto work = [&](size_t begin, size_t end, int) {
    const int64_t maxRows = geo.bandRowCount(0, bandH);
    float* band = threadScratch(5, static_cast<size_t>(s.C * geo.bandFloats(maxRows) + geo.tailFloats()));
    float* dyBand = threadScratch(2, static_cast<size_t>(s.K * bandH * Wg));
    const float** rows = reinterpret_cast<const float**>(threadScratch(3, static_cast<size_t>(2 * CRS + 16)));
    for (size_t t = begin; t < end; ++t) {
      float* out = t == 0 ? dw : partial[t]->data;
      const int64_t lo = totalRows * static_cast<int64_t>(t) / threads;
      const int64_t hi = totalRows * static_cast<int64_t>(t + 1) / threads;
      bool first = true;
      for (int64_t r = lo; r < hi;) {
        const int64_t n = r / s.P;
        const int64_t i0 = r - n * s.P;
        const int64_t i1 = std::min({s.P, i0 + bandH, i0 + (hi - r)});
        const int64_t rowCount = geo.bandRowCount(i0, i1);
        loadBand(geo, [&](int64_t nn, int64_t c) { return channelMap.plane(xs, nn, c, HW); }, s.C, n, i0, rowCount, taps,
                 band, rows);
        const int64_t pixels = (i1 - i0) * Wg;
        for (int64_t k = 0; k < s.K; ++k) {
          const float* src = dy + (n * s.K + k) * PQ + i0 * s.Q;
          float* dst = dyBand + k * pixels;
          for (int64_t i = 0; i < i1 - i0; ++i) {
            std::memcpy(dst + i * Wg, src + i * s.Q, sizeof(float) * static_cast<size_t>(s.Q));
            for (int64_t j = s.Q; j < Wg; ++j) dst[i * Wg + j] = 0.0f;
          }
        }
        weightGradSerial(s.K, CRS, 0, pixels, dyBand, pixels, rows, out, !first);
        first = false;
        r += i1 - i0;
      }
      if (first) std::fill(out, out + s.K * CRS, 0.0f);
    }
  };
  if (threads == 1) work(0, 1, 0);
  else parallelFor(static_cast<size_t>(threads), work);
  if (threads > 1) {
    const int64_t count = s.K * CRS;
    const auto reduce = [&](size_t begin, size_t end, int) {
      for (int t = 1; t < threads; ++t) {
        const float* src = partial[t]->data;
        for (size_t i = begin; i < end; ++i) dw[i] += src[i];
      }
    };
    if (count < (1 << 16)) reduce(0, static_cast<size_t>(count), 0);
    else parallelFor(static_cast<size_t>(count), reduce);
  }
}

}  // namespace ftm
