// Winograd F(m x m, 3x3) stride-1 correlation: per unit of work (chunk of output tiles of the
// batch, share of the output channels) the input tiles are transformed into alpha^2 matrices V_xi
// (C x tiles), multiplied by the transformed weights U_xi (M x C) with the rows-GEMM kernel,
// and transformed back into the output with the bias, per-channel scale and ReLU epilogue of
// the direct path (conv_passes.h storeRow). Forward and backward-data are both such a
// correlation; only the weight transform and the plane pointers differ.
#include "winograd.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "conv_passes.h"
#include "winograd_tiles.h"

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

// y = correlate(x, g) for the transformed weights u (alpha^2 x M x C), with the epilogue.
void correlate(const Correlation& g, const Planes& in, const std::vector<float*>& outBase,
               const std::vector<int64_t>& outImage, const float* u, const float* bias, const float* scale, bool relu) {
  const int m = g.m;
  const int A = winograd::alphaOf(m);
  const int64_t A2 = A * A;
  const RowsKernel& kern = rowsKernel();
  const int64_t tilesW = ceilDiv(g.Q, m);
  const int64_t tilesH = ceilDiv(g.P, m);
  const int64_t tilesPerImage = tilesH * tilesW;
  // Tiles are numbered across the batch (image n's first is n*tilesPerImage), so a chunk may
  // span images: small planes still fill the GEMM's nr-wide panels.
  const int64_t tilesTotal = g.N * tilesPerImage;
  const int64_t maxChunk = std::max<int64_t>(kern.nr, kInputBytes / (A2 * g.C * 4) / kern.nr * kern.nr);
  // Planes narrower than a vector of tiles are stacked: a chunk is whole tile rows laid end to
  // end, each in a slot of tilesW + 1 columns (the spare one holds the row's last two input
  // columns), so the transforms run on full vectors; the spare columns are computed and dropped.
  const bool stacked = tilesW < winograd::kLanes;
  const int64_t slot = tilesW + 1;
  int64_t chunks, chunkTiles, chunkRows = 0;
  if (stacked) {
    const int64_t rowsTotal = g.N * tilesH;
    chunks = ceilDiv(rowsTotal, std::max<int64_t>(1, maxChunk / slot));
    chunkRows = ceilDiv(rowsTotal, chunks);
    chunkTiles = chunkRows * slot;
  } else {
    chunks = ceilDiv(tilesTotal, maxChunk);
    chunkTiles = ceilDiv(tilesTotal, chunks);
  }
  const int64_t ld = roundUp(chunkTiles, kern.nr) + winograd::kLanes;
  const int threads = numThreads();
  const bool parallel = threads > 1 && 2.0 * A2 * g.M * g.C * tilesTotal >= kParallelFlops;
  // Too few chunks to keep the threads busy: they split the output channels too.
  int64_t mPart = g.M;
  if (parallel && chunks < 2 * threads && g.M >= 2 * kern.mr * threads)
    mPart = roundUp(ceilDiv(g.M, ceilDiv(2 * threads, chunks)), kern.mr);
  const int64_t mParts = ceilDiv(g.M, mPart);
  // The transformed weights, packed once into GEMM panels per point.
  std::vector<std::unique_ptr<PrepackedA>> packed(static_cast<size_t>(A2));
  for (int64_t xi = 0; xi < A2; ++xi)
    packed[xi].reset(new PrepackedA(MatrixAPacker(u + xi * g.M * g.C, g.M, g.C, 1), g.M, g.C));
  const int64_t blockRows = roundUp(std::min(kChannelBlock, mPart), kern.mr);
  // Plane strides per point, padded off multiples of 4 KiB (alpha^2 streams in one cache set).
  const int64_t vPoint = g.C * ld + winograd::kLanes;
  const int64_t mPoint = blockRows * ld + winograd::kLanes;

  const auto work = [&](size_t begin, size_t end, int) {
    float* v = threadScratch(8, static_cast<size_t>(A2 * vPoint));
    float* mv = threadScratch(9, static_cast<size_t>(A2 * mPoint));
    const float** rows = reinterpret_cast<const float**>(threadScratch(10, static_cast<size_t>(2 * A2 * g.C)));
    const int64_t lineFloats = stacked ? chunkTiles * m : 0;
    const int64_t outLineFloats = stacked ? m * roundUp(chunkTiles, winograd::kLanes) : 0;
    float* scratch = threadScratch(11, static_cast<size_t>(winograd::inputRowScratch(m, stacked ? chunkTiles : tilesW) +
                                                          A * lineFloats + m * outLineFloats));
    float* lineBuf = scratch + winograd::inputRowScratch(m, stacked ? chunkTiles : tilesW);
    float* outBuf = lineBuf + A * lineFloats;
    const float* lines[6];
    float* outLines[4];
    for (int r = 0; r < A; ++r) lines[r] = lineBuf + r * lineFloats;
    for (int a = 0; a < m; ++a) outLines[a] = outBuf + a * outLineFloats;
    for (int64_t xi = 0; xi < A2; ++xi)
      for (int64_t c = 0; c < g.C; ++c) rows[xi * g.C + c] = v + xi * vPoint + c * ld;
    for (size_t unit = begin; unit < end; ++unit) {
      const int64_t chunk = static_cast<int64_t>(unit) / mParts;
      const int64_t m0 = static_cast<int64_t>(unit) % mParts * mPart;
      const int64_t m1 = std::min(g.M, m0 + mPart);
      // Columns [0, T) of this unit: tiles t0.. of the batch, or (stacked) tile rows r0.. in slots.
      const int64_t t0 = stacked ? 0 : chunk * chunkTiles;
      const int64_t r0 = stacked ? chunk * chunkRows : 0;
      const int64_t rowsHere = stacked ? std::min(g.N * tilesH, r0 + chunkRows) - r0 : 0;
      const int64_t T = stacked ? rowsHere * slot : std::min(tilesTotal, t0 + chunkTiles) - t0;
      // Input transform -> V[xi*vPoint + c*ld + column].
      int64_t written = T;  // columns holding values (the last segment's filler included)
      for (int64_t c = 0; c < g.C; ++c) {
        if (stacked) {
          // Line r: input row r of every tile row, each in its slot, zero-padded.
          for (int r = 0; r < A; ++r)
            for (int64_t k = 0; k < rowsHere; ++k) {
              const int64_t n = (r0 + k) / tilesH, ti = (r0 + k) % tilesH;
              const int64_t y = ti * m - g.ph + r;
              fillLine(y >= 0 && y < g.H ? in.base[c] + n * in.image[c] + y * g.W : nullptr, g.W, -g.pw, slot * m,
                       lineBuf + r * lineFloats + k * slot * m);
            }
          winograd::inputRow(m, lines, T * m, 0, T, v + c * ld, vPoint, scratch);
          written = std::max(written, roundUp(T, winograd::kLanes));
          continue;
        }
        for (int64_t t = t0; t < t0 + T;) {
          const int64_t n = t / tilesPerImage, ti = t % tilesPerImage / tilesW, tj = t % tilesW;
          const int64_t count = std::min(tilesW - tj, t0 + T - t);
          const float* plane = in.base[c] + n * in.image[c];
          const float* inRows[6];
          for (int r = 0; r < A; ++r) {
            const int64_t y = ti * m - g.ph + r;
            inRows[r] = y >= 0 && y < g.H ? plane + y * g.W : nullptr;
          }
          winograd::inputRow(m, inRows, g.W, tj * m - g.pw, count, v + c * ld + (t - t0), vPoint, scratch);
          written = std::max(written, t - t0 + roundUp(count, winograd::kLanes));
          t += count;
        }
      }
      // The GEMM reads whole nr-column panels: the columns past the filler hold zeros, not stale data.
      const int64_t panelEnd = roundUp(T, kern.nr);
      if (written < panelEnd)
        for (int64_t xi = 0; xi < A2; ++xi)
          for (int64_t c = 0; c < g.C; ++c) {
            float* row = v + xi * vPoint + c * ld;
            std::fill(row + written, row + panelEnd, 0.0f);
          }
      for (int64_t mb = m0; mb < m1; mb += blockRows) {
        const int64_t mc = std::min(blockRows, m1 - mb);
        for (int64_t xi = 0; xi < A2; ++xi)
          gemmRowsSerial(g.M, mb, mc, g.C, u + xi * g.M * g.C, g.C, packed[xi].get(), rows + xi * g.C, 0, T,
                         mv + xi * mPoint, ld);
        for (int64_t i = 0; i < mc; ++i) {
          const int64_t o = mb + i;
          if (outBase[o] == nullptr) continue;
          const float sc = scale != nullptr ? scale[o] : 1.0f;
          const float bi = bias != nullptr ? bias[o] : 0.0f;
          if (stacked) {
            // All slots at once into long lines, then each tile row's pixels into its plane rows.
            winograd::outputRow(m, mv + i * ld, mPoint, T, outLines, T * m, sc, bi, relu);
            for (int64_t k = 0; k < rowsHere; ++k) {
              const int64_t n = (r0 + k) / tilesH, ti = (r0 + k) % tilesH;
              float* plane = outBase[o] + n * outImage[o];
              for (int a = 0; a < m && ti * m + a < g.P; ++a)
                std::memcpy(plane + (ti * m + a) * g.Q, outLines[a] + k * slot * m, static_cast<size_t>(g.Q) * sizeof(float));
            }
            continue;
          }
          for (int64_t t = t0; t < t0 + T;) {
            const int64_t n = t / tilesPerImage, ti = t % tilesPerImage / tilesW, tj = t % tilesW;
            const int64_t count = std::min(tilesW - tj, t0 + T - t);
            float* plane = outBase[o] + n * outImage[o];
            float* outRows[4];
            for (int a = 0; a < m; ++a) outRows[a] = ti * m + a < g.P ? plane + (ti * m + a) * g.Q + tj * m : nullptr;
            winograd::outputRow(m, mv + i * ld + (t - t0), mPoint, count, outRows, std::min(g.Q - tj * m, count * m), sc,
                                bi, relu);
            t += count;
          }
        }
      }
    }
  };
  const size_t units = static_cast<size_t>(chunks * mParts);
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
  const int64_t HW = s.H * s.W, PQ = s.P * s.Q, A2 = winograd::alphaOf(m) * winograd::alphaOf(m);
  Planes in;
  for (const ConvSource& src : xs)
    for (int64_t c = 0; c < src.channels; ++c) {
      in.base.push_back(src.data + c * HW);
      in.image.push_back(src.channels * HW);
    }
  std::vector<float*> outBase(static_cast<size_t>(s.K));
  std::vector<int64_t> outImage(static_cast<size_t>(s.K), s.K * PQ);
  for (int64_t k = 0; k < s.K; ++k) outBase[k] = y + k * PQ;
  // U[xi][k][c] from w[k][c]: the taps gathered tap-major (9 x K*C), then transformed.
  const int64_t count = s.K * s.C;
  PoolFloats taps(9 * count), u(A2 * count);
  for (int64_t i = 0; i < count; ++i)
    for (int64_t t = 0; t < 9; ++t) taps.data[t * count + i] = w[i * 9 + t];
  winograd::weightTiles(m, taps.data, count, u.data, count);
  correlate(Correlation{m, s.N, s.C, s.H, s.W, s.K, s.P, s.Q, s.ph, s.pw}, in, outBase, outImage, u.data, b, rowScale,
            relu);
}

void winogradBackwardDataSources(int m, const ConvShape& s, const float* dy, const float* w,
                                 const std::vector<float*>& dxs, const std::vector<int64_t>& channels) {
  requireTile(m);
  const int64_t HW = s.H * s.W, PQ = s.P * s.Q, A2 = winograd::alphaOf(m) * winograd::alphaOf(m);
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
  const int64_t count = M * s.K;
  PoolFloats taps(9 * count), u(A2 * count);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t k = 0; k < s.K; ++k) {
      const float* g = w + (k * s.C + wanted[i]) * 9;
      for (int64_t t = 0; t < 9; ++t) taps.data[t * count + i * s.K + k] = g[8 - t];
    }
  winograd::weightTiles(m, taps.data, count, u.data, count);
  correlate(Correlation{m, s.N, s.K, s.P, s.Q, M, s.H, s.W, 2 - s.ph, 2 - s.pw}, in, outBase, outImage, u.data,
            nullptr, nullptr, false);
}

}  // namespace ftm
