// Convolution passes as GEMMs over implicit im2col panels:
//   forward:         y_n (K x PQ)  = W (K x CRS) * cols(x_n) (CRS x PQ)
//   backward-data:   for each stride phase (a,b), dx_n[:, a::sh, b::sw] is a stride-1
//                    correlation of dy_n with the phase's flipped taps (no col2im, no atomics)
//   backward-weight: dW (K x CRS) = sum_n dy_n (K x PQ) * cols(x_n)^T, pixels split over
//                    threads with per-thread partial sums.
#include "conv.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include "conv_packing.h"
#include "gemm.h"
#include "thread_pool.h"

namespace ftm {
namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t roundUp(int64_t x, int64_t m) { return ceilDiv(x, m) * m; }

// Channel planes of image n of the concatenated sources, from channel c0 on.
std::vector<const float*> imagePlanes(const std::vector<ConvSource>& xs, int64_t n, int64_t HW) {
  std::vector<const float*> planes;
  for (const ConvSource& src : xs)
    for (int64_t c = 0; c < src.channels; ++c) planes.push_back(src.data + (n * src.channels + c) * HW);
  return planes;
}

// A restricted to rows [m0, ...) (so per-unit GEMMs can work on a row chunk).
struct RowShiftedA : APacker {
  const APacker& base;
  int64_t off;
  RowShiftedA(const APacker& b, int64_t o) : base(b), off(o) {}
  const float* pack(int64_t m, int64_t mc, int64_t k, int64_t kc, int mr, float* dst) const override {
    return base.pack(m + off, mc, k, kc, mr, dst);
  }
};

// Row and column chunking of an (M x N) output so that every thread gets work.
struct Chunking {
  int64_t mChunk, mChunks, nChunk, nChunks;
};

Chunking chooseChunks(int64_t M, int64_t N, int64_t batch) {
  const GemmKernel& kern = gemmKernel();
  const int threads = numThreads();
  Chunking ch;
  ch.nChunk = std::min<int64_t>(kern.nc, roundUp(N, kern.nr));
  const int64_t want = 2 * threads;
  if (batch * ceilDiv(N, ch.nChunk) < want)
    ch.nChunk = std::max<int64_t>(kern.nr, roundUp(ceilDiv(N * batch, want), kern.nr));
  ch.nChunk = std::min(ch.nChunk, roundUp(N, kern.nr));
  ch.nChunks = ceilDiv(N, ch.nChunk);
  ch.mChunk = M;
  if (batch * ch.nChunks < threads && M >= 2 * kern.mr * threads)
    ch.mChunk = roundUp(ceilDiv(M, threads), kern.mr);
  ch.mChunks = ceilDiv(M, ch.mChunk);
  return ch;
}

// Forward-style GEMMs for a batch: C_n (M x N, ldc) = A (M x Kdim) * patches(n) [+ bias].
template <typename PatchesFor, typename OutputFor>
void batchedPatchGemm(int64_t batch, int64_t M, int64_t N, int64_t Kdim, const APacker& a,
                      PatchesFor patchesFor, OutputFor outputFor, int64_t ldc, const float* rowBias) {
  const GemmKernel& kern = gemmKernel();
  const Chunking ch = chooseChunks(M, N, batch);
  const int64_t perImage = ch.mChunks * ch.nChunks;
  parallelForDynamic(static_cast<size_t>(batch * perImage), 1, [&](size_t begin, size_t end, int) {
    for (size_t u = begin; u < end; ++u) {
      const int64_t n = static_cast<int64_t>(u) / perImage;
      const int64_t rest = static_cast<int64_t>(u) % perImage;
      const int64_t mi = rest % ch.mChunks;
      const int64_t ni = rest / ch.mChunks;
      const int64_t m0 = mi * ch.mChunk;
      const int64_t mc = std::min(ch.mChunk, M - m0);
      const int64_t n0 = ni * ch.nChunk;
      const int64_t n1 = std::min(N, n0 + ch.nChunk);
      const ConvPatches patches = patchesFor(n);
      PatchColumnsPacker packB(patches);
      RowShiftedA shifted(a, m0);
      gemmSerial(kern, mc, n0, n1, 0, Kdim, shifted, packB, outputFor(n) + m0 * ldc, ldc, false,
                 rowBias ? rowBias + m0 : nullptr);
    }
  });
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
                        float* y) {
  const int64_t HW = s.H * s.W;
  const int64_t PQ = s.P * s.Q;
  const int64_t CRS = s.C * s.R * s.S;
  ConvPatches base;
  base.H = s.H;
  base.W = s.W;
  for (int64_t r = 0; r < s.R; ++r)
    for (int64_t q = 0; q < s.S; ++q) {
      base.oy.push_back(r - s.ph);
      base.ox.push_back(q - s.pw);
    }
  base.sy = s.sh;
  base.sx = s.sw;
  base.outH = s.P;
  base.outW = s.Q;
  MatrixAPacker wRows(w, s.K, CRS, 1);
  PrepackedA a(wRows, s.K, CRS);
  batchedPatchGemm(
      s.N, s.K, PQ, CRS, a,
      [&](int64_t n) {
        ConvPatches p = base;
        p.planes = imagePlanes(xs, n, HW);
        return p;
      },
      [&](int64_t n) { return y + n * s.K * PQ; }, PQ, b);
}

void convBackwardDataSources(const ConvShape& s, const float* dy, const float* w, const std::vector<float*>& dxs,
                             const std::vector<int64_t>& channels) {
  const int64_t HW = s.H * s.W;
  const int64_t PQ = s.P * s.Q;
  const int64_t RS = s.R * s.S;
  const bool unitStride = s.sh == 1 && s.sw == 1;
  int64_t cBegin = 0;
  for (size_t src = 0; src < dxs.size(); cBegin += channels[src], ++src) {
    float* dx = dxs[src];
    const int64_t Cs = channels[src];
    if (dx == nullptr) continue;
    // Strided convs write each phase into a scratch image, then interleave.
    std::unique_ptr<float[]> phased(unitStride ? nullptr : new float[static_cast<size_t>(s.N * Cs * HW)]);
    int64_t phaseOffset = 0;  // sum of earlier phases' pixel counts
    for (int64_t a = 0; a < s.sh; ++a) {
      for (int64_t bph = 0; bph < s.sw; ++bph) {
        const int64_t Hi = ceilDiv(s.H - a, s.sh);
        const int64_t Wi = ceilDiv(s.W - bph, s.sw);
        if (Hi <= 0 || Wi <= 0) continue;
        // Taps that reach this phase: h = p*sh - ph + r with h = a + sh*i -> p = i + (a+ph-r)/sh.
        std::vector<int64_t> rs, qs;
        for (int64_t r = 0; r < s.R; ++r)
          if (((a + s.ph - r) % s.sh + s.sh) % s.sh == 0) rs.push_back(r);
        for (int64_t q = 0; q < s.S; ++q)
          if (((bph + s.pw - q) % s.sw + s.sw) % s.sw == 0) qs.push_back(q);
        ConvPatches base;
        base.H = s.P;
        base.W = s.Q;
        for (int64_t r : rs)
          for (int64_t q : qs) {
            base.oy.push_back((a + s.ph - r) / s.sh);
            base.ox.push_back((bph + s.pw - q) / s.sw);
          }
        const int64_t T = static_cast<int64_t>(base.oy.size());
        base.outH = Hi;
        base.outW = Wi;
        // A: (Cs x K*T), A[c][k*T + t] = w[k][cBegin + c][r_t][q_t].
        const int64_t Kdim = s.K * T;
        std::unique_ptr<float[]> wt(new float[static_cast<size_t>(std::max<int64_t>(Cs * Kdim, 1))]);
        for (int64_t c = 0; c < Cs; ++c)
          for (int64_t k = 0; k < s.K; ++k) {
            const float* wk = w + (k * s.C + cBegin + c) * RS;
            float* dstRow = wt.get() + c * Kdim + k * T;
            int64_t t = 0;
            for (int64_t r : rs)
              for (int64_t q : qs) dstRow[t++] = wk[r * s.S + q];
          }
        MatrixAPacker wRows(wt.get(), Cs, Kdim, 1);
        PrepackedA packed(wRows, Cs, Kdim);
        const int64_t Ni = Hi * Wi;
        batchedPatchGemm(
            s.N, Cs, Ni, Kdim, packed,
            [&](int64_t n) {
              ConvPatches p = base;
              p.planes.resize(static_cast<size_t>(s.K));
              for (int64_t k = 0; k < s.K; ++k) p.planes[k] = dy + (n * s.K + k) * PQ;
              return p;
            },
            [&](int64_t n) {
              return unitStride ? dx + n * Cs * HW : phased.get() + n * Cs * HW + Cs * phaseOffset;
            },
            Ni, nullptr);
        phaseOffset += Ni;
      }
    }
    if (unitStride) continue;
    // Interleave the phases: dx[n][c][a + sh*i][b + sw*j] = phase(a,b)[c][i][j].
    parallelFor(static_cast<size_t>(s.N * Cs), [&](size_t begin, size_t end, int) {
      for (size_t u = begin; u < end; ++u) {
        const int64_t n = static_cast<int64_t>(u) / Cs;
        const int64_t c = static_cast<int64_t>(u) % Cs;
        float* out = dx + (n * Cs + c) * HW;
        int64_t off = 0;
        for (int64_t a = 0; a < s.sh; ++a)
          for (int64_t bph = 0; bph < s.sw; ++bph) {
            const int64_t Hi = ceilDiv(s.H - a, s.sh);
            const int64_t Wi = ceilDiv(s.W - bph, s.sw);
            if (Hi <= 0 || Wi <= 0) continue;
            const float* ph = phased.get() + n * Cs * HW + Cs * off + c * Hi * Wi;
            for (int64_t i = 0; i < Hi; ++i) {
              float* row = out + (a + s.sh * i) * s.W + bph;
              const float* src = ph + i * Wi;
              for (int64_t j = 0; j < Wi; ++j) row[j * s.sw] = src[j];
            }
            off += Hi * Wi;
          }
      }
    });
  }
}

void convBackwardWeightSources(const ConvShape& s, const std::vector<ConvSource>& xs, const float* dy, float* dw,
                               float* db) {
  const int64_t HW = s.H * s.W;
  const int64_t PQ = s.P * s.Q;
  const int64_t CRS = s.C * s.R * s.S;
  if (db != nullptr) {
    parallelFor(static_cast<size_t>(s.K), [&](size_t begin, size_t end, int) {
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
    });
  }
  if (dw == nullptr) return;
  ConvPatches base;
  base.H = s.H;
  base.W = s.W;
  for (int64_t r = 0; r < s.R; ++r)
    for (int64_t q = 0; q < s.S; ++q) {
      base.oy.push_back(r - s.ph);
      base.ox.push_back(q - s.pw);
    }
  base.sy = s.sh;
  base.sx = s.sw;
  base.outH = s.P;
  base.outW = s.Q;
  // Split the (image, pixel) reduction range over threads; each sums into its own dW.
  const GemmKernel& kern = gemmKernel();
  const int64_t total = s.N * PQ;
  const int64_t minPerThread = 256;
  const int threads = static_cast<int>(std::max<int64_t>(
      1, std::min<int64_t>(numThreads(), total / minPerThread)));
  std::vector<std::unique_ptr<float[]>> partial(static_cast<size_t>(threads));
  for (int t = 1; t < threads; ++t) partial[t].reset(new float[static_cast<size_t>(s.K * CRS)]);
  parallelFor(static_cast<size_t>(threads), [&](size_t begin, size_t end, int) {
    for (size_t t = begin; t < end; ++t) {
      float* out = t == 0 ? dw : partial[t].get();
      const int64_t lo = total * static_cast<int64_t>(t) / threads;
      const int64_t hi = total * static_cast<int64_t>(t + 1) / threads;
      bool first = true;
      for (int64_t n = lo / PQ; n * PQ < hi; ++n) {
        const int64_t p0 = std::max<int64_t>(lo - n * PQ, 0);
        const int64_t p1 = std::min<int64_t>(hi - n * PQ, PQ);
        if (p1 <= p0) continue;
        ConvPatches p = base;
        p.planes = imagePlanes(xs, n, HW);
        PatchRowsPacker packB(p);
        MatrixAPacker dyRows(dy + n * s.K * PQ, s.K, PQ, 1);
        gemmSerial(kern, s.K, 0, CRS, p0, p1, dyRows, packB, out, CRS, !first, nullptr);
        first = false;
      }
      if (first)
        for (int64_t i = 0; i < s.K * CRS; ++i) out[i] = 0.0f;
    }
  });
  if (threads > 1) {
    const int64_t count = s.K * CRS;
    const auto reduce = [&](size_t begin, size_t end, int) {
      for (int t = 1; t < threads; ++t) {
        const float* src = partial[t].get();
        for (size_t i = begin; i < end; ++i) dw[i] += src[i];
      }
    };
    if (count < (1 << 16)) reduce(0, static_cast<size_t>(count), 0);
    else parallelFor(static_cast<size_t>(count), reduce);
  }
}

void conv2dForward(const ConvShape& s, const float* x, const float* w, const float* b, float* y) {
  convForwardSources(s, {ConvSource{x, s.C}}, w, b, y);
}

void conv2dBackwardData(const ConvShape& s, const float* dy, const float* w, float* dx) {
  convBackwardDataSources(s, dy, w, {dx}, {s.C});
}

void conv2dBackwardWeight(const ConvShape& s, const float* x, const float* dy, float* dw, float* db) {
  convBackwardWeightSources(s, {ConvSource{x, s.C}}, dy, dw, db);
}

}  // namespace ftm
