// Convolution passes as GEMMs whose B operand is read in place from zero-bordered planes
// (shifted_planes.h, gemm_rows.h): no im2col buffer, no gather.
//   forward:         y_n (K x grid)  = W (K x CRS) * rows(x_n)
//   backward-data:   for each stride phase (a,b), dx_n[:, a::sh, b::sw] is a stride-1
//                    correlation of dy_n with the phase's flipped taps (no col2im, no atomics)
//   backward-weight: dW (K x CRS) = sum_n dy_n (K x grid) * rows(x_n)^T, pixels split over
//                    threads with per-thread partial sums.
// The grid is the output with rows Wg >= Q long; its extra columns are computed and dropped.
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
namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t roundUp(int64_t x, int64_t m) { return ceilDiv(x, m) * m; }

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
Taps forwardTaps(const ConvShape& s) {
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
void storeRow(float* __restrict out, const float* __restrict v, int64_t count, int64_t jStride, float scale,
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
void scatterTile(const GridTarget& t, int64_t n, int64_t m0, int64_t mc, int64_t p0, int64_t p1, int64_t Wg,
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
void weightGradSerial(int64_t K, int64_t CRS, int64_t p0, int64_t p1, const float* dyGrid, int64_t grid,
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

}  // namespace

ConvShape makeConvShape(int64_t N, int64_t C, int64_t H, int64_t W, int64_t K, int64_t R, int64_t S,
                        int64_t sh, int64_t sw, int64_t ph, int64_t pw) {
  ConvShape s{N, C, H, W, K, R, S, sh, sw, ph, pw, 0, 0};
  if (N < 1 || C < 1 || H < 1 || W < 1 || K < 1 || R < 1 || S < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0)
    throw std::invalid_argument("invalid convolution geometry");
  s.P = (H + 2 * ph - R) / sh + 1;
  s.Q = (W + 2 * pw - S) / sw + 1;
  if (H + 2 * ph < R || W + 2 * pw < S || s.P < 1 || s.Q < 1)
    throw std::invalid_argument("convolution output would be empty (kernel larger than padded input)");
  return s;
}

void convForwardSources(const ConvShape& s, const std::vector<ConvSource>& xs, const float* w, const float* b,
                        float* y, bool relu, const float* rowScale) {
  const int64_t HW = s.H * s.W;
  const int64_t PQ = s.P * s.Q;
  const int64_t CRS = s.C * s.R * s.S;
  const Taps taps = forwardTaps(s);
  const ChannelMap channels(xs);
  const PlaneGeometry geo(s.H, s.W, taps, s.P, s.Q);
  GridTarget target{y, s.K * PQ, PQ, s.Q, 1, s.Q, b, relu};
  target.scale = rowScale;
  rowsGemmBatch(s.N, s.K, w, CRS, geo, s.C, [&](int64_t n, int64_t c) { return channels.plane(xs, n, c, HW); }, taps, s.P,
                target);
}

void convBackwardDataSources(const ConvShape& s, const float* dy, const float* w, const std::vector<float*>& dxs,
                             const std::vector<int64_t>& channels) {
  const int64_t HW = s.H * s.W;
  const int64_t PQ = s.P * s.Q;
  const int64_t RS = s.R * s.S;
  // Phase (a, b) holds dx rows a, a+sh, ... and columns b, b+sw, ...; tap (r, q) reaches it
  // when h = p*sh - ph + r lands there: dx(a + sh*i) gets dy(i + (a + ph - r)/sh).
  struct Phase {
    int64_t a, b, Hi, Wi;
    Taps taps;
    std::vector<int64_t> weightIndex;  // r*S + q per tap
  };
  std::vector<Phase> phases;
  Taps all;
  int64_t maxHi = 1, maxWi = 1;
  for (int64_t a = 0; a < s.sh; ++a)
    for (int64_t bph = 0; bph < s.sw; ++bph) {
      Phase ph{a, bph, ceilDiv(s.H - a, s.sh), ceilDiv(s.W - bph, s.sw), Taps{}, {}};
      if (ph.Hi <= 0 || ph.Wi <= 0) continue;
      for (int64_t r = 0; r < s.R; ++r) {
        if (((a + s.ph - r) % s.sh + s.sh) % s.sh != 0) continue;
        for (int64_t q = 0; q < s.S; ++q) {
          if (((bph + s.pw - q) % s.sw + s.sw) % s.sw != 0) continue;
          ph.taps.oy.push_back((a + s.ph - r) / s.sh);
          ph.taps.ox.push_back((bph + s.pw - q) / s.sw);
          ph.weightIndex.push_back(r * s.S + q);
          all.oy.push_back(ph.taps.oy.back());
          all.ox.push_back(ph.taps.ox.back());
        }
      }
      maxHi = std::max(maxHi, ph.Hi);
      maxWi = std::max(maxWi, ph.Wi);
      phases.push_back(std::move(ph));
    }
  std::unique_ptr<PlaneGeometry> dyGeo;
  if (all.count() > 0) dyGeo.reset(new PlaneGeometry(s.P, s.Q, all, maxHi, maxWi));
  const auto dyPlane = [&](int64_t n, int64_t k) { return dy + (n * s.K + k) * PQ; };
  // The wanted gradients' channels, all sources at once: one GEMM with a row per channel.
  std::vector<int64_t> wanted;                 // channel index into w's C
  std::vector<const float*> rowBase;           // dx plane of that channel, image 0
  std::vector<int64_t> rowImage;               // its source's image stride
  int64_t cBegin = 0;
  for (size_t src = 0; src < dxs.size(); cBegin += channels[src], ++src) {
    if (dxs[src] == nullptr) continue;
    for (int64_t c = 0; c < channels[src]; ++c) {
      wanted.push_back(cBegin + c);
      rowBase.push_back(dxs[src] + c * HW);
      rowImage.push_back(channels[src] * HW);
    }
  }
  const int64_t M = static_cast<int64_t>(wanted.size());
  if (M == 0) return;
  for (const Phase& ph : phases) {
    const int64_t T = ph.taps.count();
    if (T == 0) {
      // No tap reaches these pixels: their gradient is zero.
      for (int64_t n = 0; n < s.N; ++n)
        for (int64_t m = 0; m < M; ++m) {
          float* plane = const_cast<float*>(rowBase[m]) + n * rowImage[m];
          for (int64_t i = 0; i < ph.Hi; ++i)
            for (int64_t j = 0; j < ph.Wi; ++j) plane[(ph.a + s.sh * i) * s.W + ph.b + s.sw * j] = 0.0f;
        }
      continue;
    }
    // A: (M x K*T), A[m][k*T + t] = w[k][wanted[m]][tap t].
    const int64_t Kdim = s.K * T;
    std::unique_ptr<float[]> wt(new float[static_cast<size_t>(M * Kdim)]);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t k = 0; k < s.K; ++k) {
        const float* wk = w + (k * s.C + wanted[m]) * RS;
        float* dstRow = wt.get() + m * Kdim + k * T;
        for (int64_t t = 0; t < T; ++t) dstRow[t] = wk[ph.weightIndex[t]];
      }
    GridTarget target{nullptr, 0, 0, s.sh * s.W, s.sw, ph.Wi, nullptr};
    // Phase offset folded into each row's destination.
    std::vector<const float*> phaseBase(rowBase.size());
    for (size_t m = 0; m < rowBase.size(); ++m) phaseBase[m] = rowBase[m] + ph.a * s.W + ph.b;
    target.rowBase = phaseBase.data();
    target.rowImage = rowImage.data();
    rowsGemmBatch(s.N, M, wt.get(), Kdim, *dyGeo, s.K, dyPlane, ph.taps, ph.Hi, target);
  }
}

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

void conv2dForward(const ConvShape& s, const float* x, const float* w, const float* b, float* y, bool relu,
                   const float* rowScale) {
  convForwardSources(s, {ConvSource{x, s.C}}, w, b, y, relu, rowScale);
}

void conv2dBackwardData(const ConvShape& s, const float* dy, const float* w, float* dx) {
  convBackwardDataSources(s, dy, w, {dx}, {s.C});
}

void conv2dBackwardWeight(const ConvShape& s, const float* x, const float* dy, float* dw, float* db) {
  convBackwardWeightSources(s, {ConvSource{x, s.C}}, dy, dw, db);
}

}  // namespace ftm
