// Convolution backward-data: for each stride phase (a,b), dx_n[:, a::sh, b::sw] is a stride-1
// correlation of dy_n with the phase's flipped taps (no col2im, no atomics). Stride-1 3x3
// convolutions go to the Winograd path where winograd.h chooses it.
#include "conv.h"
#include "conv_passes.h"
#include "winograd.h"

namespace ftm {

using namespace conv_detail;

void convBackwardDataSources(const ConvShape& s, const float* dy, const float* w, const std::vector<float*>& dxs,
                             const std::vector<int64_t>& channels) {
  if (const int m = winogradBackwardDataTile(s)) return winogradBackwardDataSources(m, s, dy, w, dxs, channels);
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
    // From the caching pool: a fresh allocation of this size (up to a few MB) came from the
    // system every call, and its first touch faulted in new pages (two thirds of a training
    // step's page faults).
    PoolFloats wt(M * Kdim);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t k = 0; k < s.K; ++k) {
        const float* wk = w + (k * s.C + wanted[m]) * RS;
        float* dstRow = wt.data + m * Kdim + k * T;
        for (int64_t t = 0; t < T; ++t) dstRow[t] = wk[ph.weightIndex[t]];
      }
    GridTarget target{nullptr, 0, 0, s.sh * s.W, s.sw, ph.Wi, nullptr};
    // Phase offset folded into each row's destination.
    std::vector<const float*> phaseBase(rowBase.size());
    for (size_t m = 0; m < rowBase.size(); ++m) phaseBase[m] = rowBase[m] + ph.a * s.W + ph.b;
    target.rowBase = phaseBase.data();
    target.rowImage = rowImage.data();
    rowsGemmBatch(s.N, M, wt.data, Kdim, *dyGeo, s.K, dyPlane, ph.taps, ph.Hi, target);
  }
}

}  // namespace ftm
