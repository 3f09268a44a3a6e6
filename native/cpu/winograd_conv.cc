// Winograd F(m x m, 3x3) stride-1 correlation: per unit of work (chunk of output tiles of the
// batch, share of the output channels) the input tiles are transformed into alpha^2 matrices V_xi
// (C x tiles), multiplied by the transformed weights U_xi (M x C) with the rows-GEMM kernel,
// and transformed back into the output with the bias, per-channel scale and ReLU epilogue of
// the direct path (conv_passes.h storeRow). Forward and backward-data are both such a
// correlation; only the weight transform and the plane pointers differ.
#include "winograd.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>

#include "conv_passes.h"
#include "weight_hash.h"
#include "winograd_tiles.h"
#include "winograd_weights.h"

namespace ftm {

using namespace conv_detail;

namespace {

// Per-channel plane pointers of image 0 and the image strides (a null output plane is skipped).
struct Planes {
  std::vector<const float*> base;
  std::vector<int64_t> image;
};

struct Correlation {
  int m;
  int64_t N, C, H, W;  // input planes
  int64_t M, P, Q;     // output planes
  int64_t ph, pw;      // zero padding (0..2)
};

// Floats of V_xi per tile the unit's input transform may fill (about half the 1 MB L2).
constexpr int64_t kInputBytes = 512 * 1024;
// Output channels multiplied per sweep over the alpha^2 GEMMs.
constexpr int64_t kChannelBlock = 64;

// line[0, len) = row[x0, x0 + len) with zeros outside [0, W) (everywhere when row is null).
void fillLine(const float* row, int64_t W, int64_t x0, int64_t len, float* line) {
  const int64_t lo = row == nullptr ? len : std::min(len, std::max<int64_t>(0, -x0));
  const int64_t hi = row == nullptr ? len : std::max(lo, std::min(len, W - x0));
  std::fill(line, line + lo, 0.0f);
  if (hi > lo) std::memcpy(line + lo, row + x0 + lo, static_cast<size_t>(hi - lo) * sizeof(float));
  std::fill(line + hi, line + len, 0.0f);
}

// How a correlation's output tiles map to GEMM columns. Tiles are numbered across the batch
// (image n's first is n*tilesPerImage), so a chunk may span images: small planes still fill
// the GEMM's nr-wide panels. Planes narrower than a vector of tiles are stacked: a chunk is
// whole tile rows laid end to end, each in a slot of tilesW + 1 columns (the spare one holds
// the row's last two input columns), so the transforms run on full vectors; the spare columns
// are computed and dropped.
struct TileLayout {
  int m, A;
  int64_t A2, tilesW, tilesH, tilesPerImage, tilesTotal;
  bool stacked;
  int64_t slot;        // columns per tile row when stacked
  int64_t chunks;      // units of tiles (before the output-channel split)
  int64_t chunkTiles;  // columns per chunk, at most
  int64_t chunkRows;   // tile rows per chunk when stacked
  int64_t span = 0, perSpan = 1;  // not stacked: tiles per thread's share, and its chunks
  int64_t ld;          // row stride of V and M (at least roundUp(chunkTiles, nr) + kLanes)

  // threads: the threads that will share the chunks (1: serial). Chunks are sized so that
  // they divide evenly among them: 3 chunks on 2 threads left one idle for a third of the pass.
  TileLayout(const Correlation& g, int64_t nr, int threads) : m(g.m), A(winograd::alphaOf(g.m)) {
    A2 = A * A;
    tilesW = ceilDiv(g.Q, m);
    tilesH = ceilDiv(g.P, m);
    tilesPerImage = tilesH * tilesW;
    tilesTotal = g.N * tilesPerImage;
    const int64_t maxChunk = std::max<int64_t>(nr, kInputBytes / (A2 * g.C * 4) / nr * nr);
    stacked = tilesW < winograd::kLanes;
    slot = tilesW + 1;
    if (!stacked) {
      // Each thread's share is a span of equal tiles (whole vectors), cut into chunks of at most
      // maxChunk (whole panels first, the narrower one last). Counting whole panels instead
      // gave 256 tiles on 2 threads 144 against 112 tiles (5 panels of 48 and one of 16), and
      // the first thread finished 25% later on every such layer.
      span = threads > 1 ? roundUp(ceilDiv(tilesTotal, threads), winograd::kLanes) : tilesTotal;
      chunkTiles = std::min(maxChunk, span);
      perSpan = ceilDiv(span, chunkTiles);
      chunks = ceilDiv(tilesTotal, span) * perSpan;
      chunkRows = 0;
      ld = roundUp(chunkTiles, nr) + winograd::kLanes;
      return;
    }
    // Of the chunk sizes up to the cache's limit (in tile rows), the one whose busiest thread
    // multiplies the fewest panels; ties go to the larger chunk (fewer passes over the weights).
    const int64_t units = g.N * tilesH;
    const int64_t maxPer = std::max<int64_t>(1, maxChunk / slot);
    int64_t best = maxPer, bestSpan = -1;
    for (int64_t per = std::min(maxPer, units); per >= 1; --per) {
      const int64_t panels = ceilDiv(per * slot, nr);
      const int64_t busiest = ceilDiv(ceilDiv(units, per), threads) * panels;
      if (bestSpan < 0 || busiest < bestSpan) {
        best = per;
        bestSpan = busiest;
      }
    }
    chunks = ceilDiv(units, best);
    chunkRows = ceilDiv(units, chunks);
    chunkTiles = chunkRows * slot;
    ld = roundUp(chunkTiles, nr) + winograd::kLanes;
  }
};

// The columns [0, T) of one chunk: tiles t0.. of the batch, or (stacked) tile rows r0.. in slots.
// T is 0 for a chunk past the end (the last thread's span may be shorter than the others').
struct Chunk {
  int64_t t0, r0, rows, T;
  Chunk(const TileLayout& l, int64_t chunk) {
    if (l.stacked) {
      t0 = 0;
      r0 = chunk * l.chunkRows;
      rows = std::min(l.tilesTotal / l.tilesW, r0 + l.chunkRows) - r0;
      T = rows * l.slot;
      return;
    }
    const int64_t first = chunk / l.perSpan * l.span;
    t0 = first + chunk % l.perSpan * l.chunkTiles;
    r0 = rows = 0;
    T = std::max<int64_t>(0, std::min({t0 + l.chunkTiles, first + l.span, l.tilesTotal}) - t0);
  }
};

// Per-thread buffers of the transforms: phase scratch, and when stacked the long input lines
// (alpha of them) and output lines (m).
struct LineBuffers {
  float* scratch;
  float* in[6];
  float* out[4];
  LineBuffers(const TileLayout& l, float* base) : scratch(base) {
    const int64_t inFloats = l.stacked ? l.chunkTiles * l.m : 0;
    const int64_t outFloats = l.stacked ? l.m * roundUp(l.chunkTiles, winograd::kLanes) : 0;
    float* lines = base + winograd::inputRowScratch(l.m, l.stacked ? l.chunkTiles : l.tilesW);
    for (int r = 0; r < l.A; ++r) in[r] = lines + r * inFloats;
    for (int a = 0; a < l.m; ++a) out[a] = lines + l.A * inFloats + a * outFloats;
  }
  static int64_t floats(const TileLayout& l) {
    return winograd::inputRowScratch(l.m, l.stacked ? l.chunkTiles : l.tilesW) +
           (l.stacked ? l.A * l.chunkTiles * l.m + l.m * l.m * roundUp(l.chunkTiles, winograd::kLanes) : 0);
  }
};

// Input transform of channel c's planes over the chunk -> v[xi*vPoint + column]; returns the
// columns written (the last vector's filler included).
int64_t transformInput(const Correlation& g, const TileLayout& l, const Chunk& ch, const float* base, int64_t image,
                       float* v, int64_t vPoint, LineBuffers& buf) {
  const int m = l.m;
  if (l.stacked) {
    // Line r: input row r of every tile row, each in its slot, zero-padded.
    for (int r = 0; r < l.A; ++r)
      for (int64_t k = 0; k < ch.rows; ++k) {
        const int64_t n = (ch.r0 + k) / l.tilesH, ti = (ch.r0 + k) % l.tilesH;
        const int64_t y = ti * m - g.ph + r;
        fillLine(y >= 0 && y < g.H ? base + n * image + y * g.W : nullptr, g.W, -g.pw, l.slot * m,
                 buf.in[r] + k * l.slot * m);
      }
    winograd::inputRow(m, buf.in, ch.T * m, 0, ch.T, v, vPoint, buf.scratch);
    return roundUp(ch.T, winograd::kLanes);
  }
  int64_t written = ch.T;
  for (int64_t t = ch.t0; t < ch.t0 + ch.T;) {
    const int64_t n = t / l.tilesPerImage, ti = t % l.tilesPerImage / l.tilesW, tj = t % l.tilesW;
    const int64_t count = std::min(l.tilesW - tj, ch.t0 + ch.T - t);
    const float* inRows[6];
    for (int r = 0; r < l.A; ++r) {
      const int64_t y = ti * m - g.ph + r;
      inRows[r] = y >= 0 && y < g.H ? base + n * image + y * g.W : nullptr;
    }
    winograd::inputRow(m, inRows, g.W, tj * m - g.pw, count, v + (t - ch.t0), vPoint, buf.scratch);
    written = std::max(written, t - ch.t0 + roundUp(count, winograd::kLanes));
    t += count;
  }
  return written;
}

// Output transform of one output channel's GEMM results mv[xi*mPoint + column] over the chunk
// -> its planes (plane of image n at base + n*image), with the epilogue.
void transformOutput(const Correlation& g, const TileLayout& l, const Chunk& ch, const float* mv, int64_t mPoint,
                     float* base, int64_t image, float scale, float bias, bool relu, LineBuffers& buf) {
  const int m = l.m;
  if (l.stacked) {
    // All slots at once into long lines, then each tile row's pixels into its plane rows.
    winograd::outputRow(m, mv, mPoint, ch.T, buf.out, ch.T * m, scale, bias, relu);
    for (int64_t k = 0; k < ch.rows; ++k) {
      const int64_t n = (ch.r0 + k) / l.tilesH, ti = (ch.r0 + k) % l.tilesH;
      for (int a = 0; a < m && ti * m + a < g.P; ++a)
        std::memcpy(base + n * image + (ti * m + a) * g.Q, buf.out[a] + k * l.slot * m,
                    static_cast<size_t>(g.Q) * sizeof(float));
    }
    return;
  }
  for (int64_t t = ch.t0; t < ch.t0 + ch.T;) {
    const int64_t n = t / l.tilesPerImage, ti = t % l.tilesPerImage / l.tilesW, tj = t % l.tilesW;
    const int64_t count = std::min(l.tilesW - tj, ch.t0 + ch.T - t);
    float* plane = base + n * image;
    float* outRows[4];
    for (int a = 0; a < m; ++a) outRows[a] = ti * m + a < g.P ? plane + (ti * m + a) * g.Q + tj * m : nullptr;
    winograd::outputRow(m, mv + (t - ch.t0), mPoint, count, outRows, std::min(g.Q - tj * m, count * m), scale, bias,
                        relu);
    t += count;
  }
}

// Kept weights still to be checked against the caller's: each unit of the correlation hashes
// its slice of the caller's blocks before its GEMMs and compares them with the kept hashes, so
// the check is split over the threads and overlaps their multiplies; once a block differs the
// remaining units skip their work.
struct WeightCheck {
  const uint64_t* built;   // block hashes of the weights the entry was built from
  const float* current;
  size_t floats;
  std::atomic<bool> differ{false};

  bool sliceDiffers(size_t unit, size_t units) {
    const size_t blocks = hashBlockCount(floats);
    for (size_t b = blocks * unit / units, end = blocks * (unit + 1) / units; b < end; ++b)
      if (hashBlock(current, floats, b) != built[b]) {
        differ.store(true, std::memory_order_relaxed);
        break;
      }
    return differ.load(std::memory_order_relaxed);
  }
};

// y = correlate(x, g) for the transformed weights (alpha^2 x M x C), with the epilogue. With a
// check, the output is only valid when check->differ is false at the end.
void correlate(const Correlation& g, const Planes& in, const std::vector<float*>& outBase,
               const std::vector<int64_t>& outImage, const WinogradWeights& weights, const float* bias,
               const float* scale, bool relu, WeightCheck* check = nullptr) {
  const float* u = weights.u;
  const RowsKernel& kern = rowsKernel();
  const int threads = numThreads();
  // The GEMMs' flops decide whether the pass is split (before the layout, which depends on it).
  const int64_t alpha = winograd::alphaOf(g.m);
  const int64_t tiles = g.N * ceilDiv(g.P, g.m) * ceilDiv(g.Q, g.m);
  const bool parallel = threads > 1 && 2.0 * alpha * alpha * g.M * g.C * tiles >= kParallelFlops;
  const TileLayout l(g, kern.nr, parallel ? threads : 1);
  const int64_t A2 = l.A2, ld = l.ld;
  // Too few chunks to keep the threads busy: they split the output channels too.
  int64_t mPart = g.M;
  if (parallel && l.chunks < 2 * threads && g.M >= 2 * kern.mr * threads)
    mPart = roundUp(ceilDiv(g.M, ceilDiv(2 * threads, l.chunks)), kern.mr);
  const int64_t mParts = ceilDiv(g.M, mPart);
  const std::vector<std::unique_ptr<PrepackedA>>& packed = weights.packed;
  const int64_t blockRows = roundUp(std::min(kChannelBlock, mPart), kern.mr);
  const size_t units = static_cast<size_t>(l.chunks * mParts);
  // Plane strides per point, padded off multiples of 4 KiB (alpha^2 streams in one cache set).
  const int64_t vPoint = g.C * ld + winograd::kLanes;
  const int64_t mPoint = blockRows * ld + winograd::kLanes;

  const auto work = [&](size_t begin, size_t end, int) {
    float* v = threadScratch(8, static_cast<size_t>(A2 * vPoint));
    float* mv = threadScratch(9, static_cast<size_t>(A2 * mPoint));
    const float** rows = reinterpret_cast<const float**>(threadScratch(10, static_cast<size_t>(2 * A2 * g.C)));
    LineBuffers buf(l, threadScratch(11, static_cast<size_t>(LineBuffers::floats(l))));
    for (int64_t xi = 0; xi < A2; ++xi)
      for (int64_t c = 0; c < g.C; ++c) rows[xi * g.C + c] = v + xi * vPoint + c * ld;
    for (size_t unit = begin; unit < end; ++unit) {
      if (check != nullptr && check->sliceDiffers(unit, units)) continue;
      const Chunk ch(l, static_cast<int64_t>(unit) / mParts);
      if (ch.T == 0) continue;
      const int64_t m0 = static_cast<int64_t>(unit) % mParts * mPart;
      const int64_t m1 = std::min(g.M, m0 + mPart);
      int64_t written = ch.T;
      for (int64_t c = 0; c < g.C; ++c)
        written = std::max(written, transformInput(g, l, ch, in.base[c], in.image[c], v + c * ld, vPoint, buf));
      // The GEMM reads whole nr-column panels: the columns past the filler hold zeros, not stale data.
      const int64_t panelEnd = roundUp(ch.T, kern.nr);
      if (written < panelEnd)
        for (int64_t i = 0; i < A2 * g.C; ++i) {
          float* row = v + i / g.C * vPoint + i % g.C * ld;
          std::fill(row + written, row + panelEnd, 0.0f);
        }
      for (int64_t mb = m0; mb < m1; mb += blockRows) {
        const int64_t mc = std::min(blockRows, m1 - mb);
        for (int64_t xi = 0; xi < A2; ++xi)
          gemmRowsSerial(g.M, mb, mc, g.C, u != nullptr ? u + xi * g.M * g.C : nullptr, g.C, packed[xi].get(),
                         rows + xi * g.C, 0, ch.T, mv + xi * mPoint, ld);
        for (int64_t i = 0; i < mc; ++i) {
          const int64_t o = mb + i;
          if (outBase[o] == nullptr) continue;
          transformOutput(g, l, ch, mv + i * ld, mPoint, outBase[o], outImage[o], scale != nullptr ? scale[o] : 1.0f,
                          bias != nullptr ? bias[o] : 0.0f, relu, buf);
        }
      }
    }
  };
  if (!parallel || units == 1) work(0, units, 0);
  else parallelForDynamic(units, 1, work);
}

void requireTile(int m) {
  if (m != 2 && m != 4) throw std::invalid_argument("Winograd tile must be 2 or 4");
}

}  // namespace

void winogradForwardSources(int m, const ConvShape& s, const std::vector<ConvSource>& xs, const float* w,
                            const float* b, float* y, bool relu, const float* rowScale) {
  requireTile(m);
  const int64_t HW = s.H * s.W, PQ = s.P * s.Q;
  Planes in;
  for (const ConvSource& src : xs)
    for (int64_t c = 0; c < src.channels; ++c) {
      in.base.push_back(src.data + c * HW);
      in.image.push_back(src.channels * HW);
    }
  std::vector<float*> outBase(static_cast<size_t>(s.K));
  std::vector<int64_t> outImage(static_cast<size_t>(s.K), s.K * PQ);
  for (int64_t k = 0; k < s.K; ++k) outBase[k] = y + k * PQ;
  // U[xi][k][c] from w[k][c]. The fused inference convolution (a row scale: folded batch
  // norm) keeps its weights between calls, so they come from the cache; elsewhere (training,
  // where they change every step) they are built per call.
  const Correlation g{m, s.N, s.C, s.H, s.W, s.K, s.P, s.Q, s.ph, s.pw};
  if (rowScale != nullptr) {
    const UncheckedWeights found = findForwardWeights(m, w, s.K, s.C);
    if (found.weights != nullptr) {
      WeightCheck check{found.hashes, w, static_cast<size_t>(s.K * s.C * 9)};
      correlate(g, in, outBase, outImage, *found.weights, b, rowScale, relu, &check);
      if (!check.differ.load()) return;
      // The weights at this address changed in place (training, a reload): computed again.
      dropForwardWeights(found.weights.get());
    }
    const std::shared_ptr<const WinogradWeights> u = cachedForwardWeights(m, w, s.K, s.C);
    correlate(g, in, outBase, outImage, *u, b, rowScale, relu);
  } else {
    const std::unique_ptr<WinogradWeights> u = forwardWeights(m, w, s.K, s.C);
    correlate(g, in, outBase, outImage, *u, b, rowScale, relu);
  }
}

void winogradBackwardDataSources(int m, const ConvShape& s, const float* dy, const float* w,
                                 const std::vector<float*>& dxs, const std::vector<int64_t>& channels) {
  requireTile(m);
  const int64_t HW = s.H * s.W, PQ = s.P * s.Q;
  // dx = dy correlated with the flipped kernel, transposed: output channel = input channel of w.
  std::vector<int64_t> wanted;
  std::vector<float*> outBase;
  std::vector<int64_t> outImage;
  int64_t cBegin = 0;
  for (size_t src = 0; src < dxs.size(); cBegin += channels[src], ++src) {
    if (dxs[src] == nullptr) continue;
    for (int64_t c = 0; c < channels[src]; ++c) {
      wanted.push_back(cBegin + c);
      outBase.push_back(dxs[src] + c * HW);
      outImage.push_back(channels[src] * HW);
    }
  }
  const int64_t M = static_cast<int64_t>(wanted.size());
  if (M == 0) return;
  Planes in;
  for (int64_t k = 0; k < s.K; ++k) {
    in.base.push_back(dy + k * PQ);
    in.image.push_back(s.K * PQ);
  }
  // U[xi][i][k] from w[k][wanted[i]] rotated by 180 degrees.
  const std::unique_ptr<WinogradWeights> u = backwardDataWeights(m, w, s.K, s.C, wanted);
  correlate(Correlation{m, s.N, s.K, s.P, s.Q, M, s.H, s.W, 2 - s.ph, 2 - s.pw}, in, outBase, outImage, *u, nullptr,
            nullptr, false);
}

}  // namespace ftm
