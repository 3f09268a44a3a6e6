// Shared by the three convolution passes (conv_forward.cc, conv_backward_data.cc,
// conv_backward_weight.cc): the implicit-im2col rows GEMM over bands of bordered planes, its
// output targets and tiles, and the tuning constants. Internal to native/cpu/conv*.cc.
#pragma once

#include "conv.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "conv_packing.h"
#include "gemm.h"
#include "gemm_rows.h"
#include "memory_pool.h"
#include "shifted_planes.h"
#include "thread_pool.h"

namespace ftm {
namespace conv_detail {


inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t roundUp(int64_t x, int64_t m) { return ceilDiv(x, m) * m; }

// Pool-backed scratch that frees itself.
struct PoolFloats {
  float* data;
  explicit PoolFloats(int64_t n) : data(static_cast<float*>(poolAlloc(static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(float)))) {}
  ~PoolFloats() { poolFree(data); }
  PoolFloats(const PoolFloats&) = delete;
  PoolFloats& operator=(const PoolFloats&) = delete;
};

// Channel c of the concatenated sources -> (source, channel within it).
struct ChannelMap {
  std::vector<int> source;
  std::vector<int64_t> local;
  explicit ChannelMap(const std::vector<ConvSource>& xs) {
    for (size_t i = 0; i < xs.size(); ++i)
      for (int64_t c = 0; c < xs[i].channels; ++c) {
        source.push_back(static_cast<int>(i));
        local.push_back(c);
      }
  }
  const float* plane(const std::vector<ConvSource>& xs, int64_t n, int64_t c, int64_t HW) const {
    const ConvSource& src = xs[static_cast<size_t>(source[c])];
    return src.data + (n * src.channels + local[c]) * HW;
  }
};

// The forward taps of a convolution: out(i, j) reads x(i*sh + r - ph, j*sw + q - pw).
inline Taps forwardTaps(const ConvShape& s) {
  Taps t;
  t.sy = s.sh;
  t.sx = s.sw;
  for (int64_t r = 0; r < s.R; ++r)
    for (int64_t q = 0; q < s.S; ++q) {
      t.oy.push_back(r - s.ph);
      t.ox.push_back(q - s.pw);
    }
  return t;
}

// Where output row m, pixel (i, j) of image n goes: base + n*image + m*row + i*iStride + j*jStride.
struct GridTarget {
  float* base;
  int64_t image, row, iStride, jStride;
  int64_t outW;
  const float* bias;  // per row m, or null
  bool relu = false;  // max(0, .) on the way out (the fused conv-ReLU of inference)
  const float* scale = nullptr;  // per row m, or null: out = v*scale + bias (batch norm folded in)
  // When set, row m goes to rowBase[m] + n*rowImage[m] instead (rows spread over several
  // tensors: the per-source gradients of featureTransfer).
  const float* const* rowBase = nullptr;
  const int64_t* rowImage = nullptr;
};

// out[u*jStride] = v[u]*scale + bias (then max 0 when relu) for u < count.
inline void storeRow(float* __restrict out, const float* __restrict v, int64_t count, int64_t jStride, float scale,
              float bias, bool relu) {
  if (jStride == 1 && relu) {
    for (int64_t u = 0; u < count; ++u) out[u] = std::max(v[u] * scale + bias, 0.0f);
  } else if (jStride == 1 && scale == 1.0f) {
    for (int64_t u = 0; u < count; ++u) out[u] = v[u] + bias;
  } else if (jStride == 1) {
    for (int64_t u = 0; u < count; ++u) out[u] = v[u] * scale + bias;
  } else {
    for (int64_t u = 0; u < count; ++u) {
      const float o = v[u] * scale + bias;
      out[u * jStride] = relu ? std::max(o, 0.0f) : o;
    }
  }
}

// Copies rows [m0, m0+mc) x grid pixels [p0, p1) of a scratch tile to the target, dropping
// the grid's extra columns.
inline void scatterTile(const GridTarget& t, int64_t n, int64_t m0, int64_t mc, int64_t p0, int64_t p1, int64_t Wg,
                 const float* tile, int64_t ldt) {
  for (int64_t p = p0; p < p1;) {
    const int64_t i = p / Wg;
    const int64_t j = p - i * Wg;
    const int64_t len = std::min(Wg - j, p1 - p);
    const int64_t valid = std::min(len, t.outW - j);
    if (valid > 0) {
      const int64_t offset = i * t.iStride + j * t.jStride;
      const float* src = tile + (p - p0);
      for (int64_t m = 0; m < mc; ++m) {
        float* out = t.rowBase != nullptr ? const_cast<float*>(t.rowBase[m0 + m]) + n * t.rowImage[m0 + m]
                                          : t.base + n * t.image + (m0 + m) * t.row;
        storeRow(out + offset, src + m * ldt, valid, t.jStride, t.scale != nullptr ? t.scale[m0 + m] : 1.0f,
                 t.bias != nullptr ? t.bias[m0 + m] : 0.0f, t.relu);
      }
    }
    p += len;
  }
}

// Copies the bordered planes of output rows [i0, i0 + rows) of image n (planeOf(n, c) for each
// of `channels` channels) into `band`, and points rows[c*T + t] into it. The dropped grid
// columns of the band's last rows read past its last channel: that tail is zeroed, not left
// stale (backward-weight multiplies it by dy's zeros, and 0 * NaN is NaN).
template <typename PlaneOf>
void loadBand(const PlaneGeometry& geo, PlaneOf planeOf, int64_t channels, int64_t n, int64_t i0, int64_t rowCount,
              const Taps& taps, float* band, const float** rows) {
  const int64_t channelFloats = geo.bandFloats(rowCount);
  for (int64_t c = 0; c < channels; ++c) geo.fillBand(planeOf(n, c), i0, rowCount, band + c * channelFloats);
  float* tail = band + channels * channelFloats;
  std::fill(tail, tail + geo.tailFloats(), 0.0f);
  geo.bandRows(taps, band, rowCount, channels, rows);
}

// Below this many flops a pass runs on the calling thread: splitting it costs more in
// cross-core cache traffic and wake-ups than it saves.
constexpr double kParallelFlops = 5e6;

// Bytes of bordered input planes a band aims to keep in L2 (it is reread once per tile; 512
// KiB measured 8% faster than 256 on 1x128x32x32 -> 128 and no slower elsewhere).
constexpr int64_t kBandBytes = 512 * 1024;

// Outputs of at least this many grid pixels (all images) read packed weights.
constexpr int64_t kPackPixels = 4096;

// Bands thinner than this re-copy too much halo and re-stream the weights too often per pixel.
constexpr int64_t kMinBandRows = 8;

// target(n) = A (M x channels*T, row m at a + m*lda) * im2col(planeOf(n, c) through taps) on an
// outH-row grid, for every image. Work units are (image, band of output rows, row chunk of M): each
// unit copies the bordered planes of its band into per-thread scratch (so the data it
// multiplies sits in its own core's cache), then runs the rows GEMM over the band in tiles.
template <typename PlaneOf>
void rowsGemmBatch(int64_t images, int64_t M, const float* a, int64_t lda, const PlaneGeometry& geo, int64_t channels,
                   PlaneOf planeOf, const Taps& taps, int64_t outH, const GridTarget& target) {
  const RowsKernel& kern = rowsKernel();
  const int64_t Kdim = channels * taps.count();
  const int64_t Wg = geo.gridWidth();
  const int threads = numThreads();
  // Large outputs reuse each weight many times: pack A once into panels (one stream per tile
  // instead of mr rows). Small ones read it in place: packing would cost more than it saves.
  std::unique_ptr<PrepackedA> packed;
  if (images * outH * Wg >= kPackPixels) {
    const MatrixAPacker rowsOfA(a, M, lda, 1);
    packed.reset(new PrepackedA(rowsOfA, M, Kdim));
  }
  const bool parallel = threads > 1 && 2.0 * M * Kdim * outH * Wg * images >= kParallelFlops;
  const int64_t halo = geo.bandRowCount(0, 1) - 1;
  const int64_t rowBytes = channels * geo.bandFloats(1) * static_cast<int64_t>(sizeof(float));
  int64_t bandH = std::min(outH, std::max<int64_t>(1, kBandBytes / rowBytes - halo));
  int64_t mChunk = M;
  if (parallel) {
    // About four units per thread (dynamic claiming evens them out), but bands no thinner than
    // twice their halo. Where that makes thin bands of many output channels (small images,
    // wide layers), the threads split the output channels instead: each then streams only its
    // share of the weights, over bands as tall as the cache allows.
    const int64_t balancedH = std::max<int64_t>(std::max<int64_t>(1, 2 * halo), ceilDiv(outH, ceilDiv(4 * threads, images)));
    if (balancedH < kMinBandRows && M >= 2 * kern.mr * threads) mChunk = roundUp(ceilDiv(M, threads), kern.mr);
    else bandH = std::min(bandH, balancedH);
  }
  const int64_t bands = ceilDiv(outH, bandH);
  if (parallel && mChunk == M && images * bands < threads && M >= 2 * kern.mr * threads)
    mChunk = roundUp(ceilDiv(M, threads), kern.mr);
  const int64_t mChunks = ceilDiv(M, mChunk);
  const int64_t tilePixels = 10 * static_cast<int64_t>(kern.nr);
  const int64_t ldt = tilePixels;
  const auto work = [&](size_t begin, size_t end, int) {
    const int64_t maxRows = geo.bandRowCount(0, bandH);
    float* band = threadScratch(5, static_cast<size_t>(channels * geo.bandFloats(maxRows) + geo.tailFloats()));
    // Row pointers (two float slots each) and the output tile.
    const float** rows = reinterpret_cast<const float**>(threadScratch(3, static_cast<size_t>(2 * Kdim + 16)));
    float* tile = threadScratch(4, static_cast<size_t>(roundUp(mChunk, kern.mr) * ldt));
    for (size_t u = begin; u < end; ++u) {
      const int64_t n = static_cast<int64_t>(u) / (bands * mChunks);
      const int64_t rest = static_cast<int64_t>(u) % (bands * mChunks);
      const int64_t i0 = (rest / mChunks) * bandH;
      const int64_t i1 = std::min(outH, i0 + bandH);
      const int64_t m0 = (rest % mChunks) * mChunk;
      const int64_t mc = std::min(mChunk, M - m0);
      const int64_t rowCount = geo.bandRowCount(i0, i1);
      loadBand(geo, planeOf, channels, n, i0, rowCount, taps, band, rows);
      const int64_t pixels = (i1 - i0) * Wg;
      for (int64_t p0 = 0; p0 < pixels; p0 += tilePixels) {
        const int64_t p1 = std::min(pixels, p0 + tilePixels);
        gemmRowsSerial(M, m0, mc, Kdim, a, lda, packed.get(), rows, p0, p1, tile, ldt);
        scatterTile(target, n, m0, mc, i0 * Wg + p0, i0 * Wg + p1, Wg, tile, ldt);
      }
    }
  };
  const size_t units = static_cast<size_t>(images * bands * mChunks);
  if (!parallel || units == 1) work(0, units, 0);
  else parallelForDynamic(units, 1, work);
}

// out (K x CRS) [+]= dyGrid (K x pixels [p0, p1)) * rows^T, packing A once per pixel block.
inline void weightGradSerial(int64_t K, int64_t CRS, int64_t p0, int64_t p1, const float* dyGrid, int64_t grid,
                      const float* const* rows, float* out, bool accumulate) {
  const GemmKernel& kern = gemmKernel();
  const int64_t kcBlock = gemmKBlock(kern, p1 - p0);
  float* bufA = threadScratch(1, static_cast<size_t>(roundUp(K, kern.mr) * kcBlock));
  float* bufB = threadScratch(0, static_cast<size_t>(kcBlock * kern.nr));
  MatrixAPacker dyRows(dyGrid, K, grid, 1);
  TransposedRowsPacker cols(rows, CRS, grid);
  for (int64_t pc = p0; pc < p1; pc += kcBlock) {
    const int64_t kc = std::min(kcBlock, p1 - pc);
    dyRows.pack(0, K, pc, kc, kern.mr, bufA);
    const bool add = accumulate || pc > p0;
    for (int64_t jr = 0; jr < CRS; jr += kern.nr) {
      const int nrr = static_cast<int>(std::min<int64_t>(kern.nr, CRS - jr));
      cols.pack(pc, kc, jr, nrr, kern.nr, bufB);
      for (int64_t ir = 0; ir < K; ir += kern.mr)
        kern.fn(kc, bufA + ir * kc, bufB, out + ir * CRS + jr, CRS, static_cast<int>(std::min<int64_t>(kern.mr, K - ir)),
                nrr, add, nullptr);
    }
  }
}

}  // namespace conv_detail
}  // namespace ftm
