// Winograd tile transforms on 16-tile vectors (GCC vector extensions; one body compiled for
// AVX-512, AVX2 and baseline by FTM_MULTIVERSION, so FTMTLNET_SIMD caps them like the rest).
#include "winograd_tiles.h"

#include <cstring>

#include "simd_dispatch.h"

#pragma GCC diagnostic ignored "-Wpsabi"

namespace ftm {
namespace winograd {
namespace {

typedef float V16 __attribute__((vector_size(kLanes * sizeof(float))));

FTM_ALWAYS_INLINE V16 load(const float* p) {
  V16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

FTM_ALWAYS_INLINE void store(float* p, V16 v) { std::memcpy(p, &v, sizeof v); }

int64_t groupsOf(int64_t tiles) { return (tiles + kLanes - 1) / kLanes; }

// Phase entries per (line, phase): one group more than the tiles, for the overlap columns.
int64_t phaseLength(int64_t tiles) { return (groupsOf(tiles) + 1) * kLanes; }

// o = B^T d (one side of the input transform).
template <int M>
FTM_ALWAYS_INLINE void inputSide(const V16* d, V16* o);

template <>
FTM_ALWAYS_INLINE void inputSide<2>(const V16* d, V16* o) {
  o[0] = d[0] - d[2];
  o[1] = d[1] + d[2];
  o[2] = d[2] - d[1];
  o[3] = d[1] - d[3];
}

template <>
FTM_ALWAYS_INLINE void inputSide<4>(const V16* d, V16* o) {
  const V16 four = d[1] + d[2], twoOdd = d[3] - d[1];
  o[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
  o[1] = (d[3] + d[4]) - 4.0f * four;
  o[2] = (d[4] - d[3]) + 4.0f * (d[1] - d[2]);
  o[3] = (d[4] - d[2]) + 2.0f * twoOdd;
  o[4] = (d[4] - d[2]) - 2.0f * twoOdd;
  o[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

// o = A^T m (one side of the output transform).
template <int M>
FTM_ALWAYS_INLINE void outputSide(const V16* m, V16* o);

template <>
FTM_ALWAYS_INLINE void outputSide<2>(const V16* m, V16* o) {
  o[0] = m[0] + m[1] + m[2];
  o[1] = m[1] - m[2] - m[3];
}

template <>
FTM_ALWAYS_INLINE void outputSide<4>(const V16* m, V16* o) {
  const V16 sum12 = m[1] + m[2], dif12 = m[1] - m[2], sum34 = m[3] + m[4], dif34 = m[3] - m[4];
  o[0] = m[0] + sum12 + sum34;
  o[1] = dif12 + 2.0f * dif34;
  o[2] = sum12 + 4.0f * sum34;
  o[3] = dif12 + 8.0f * dif34 + m[5];
}

template <int M>
FTM_ALWAYS_INLINE void inputRowOf(const float* const* lines, int64_t tiles, float* v, int64_t vStride, float* ph) {
  constexpr int A = M + 2;
  const int64_t U = phaseLength(tiles);
  // Phase k of line r: ph[(r*M + k)*U + u] = line r at column M*u + k (tile u's column k).
  for (int r = 0; r < A; ++r) {
    const float* __restrict line = lines[r];
    float* __restrict p = ph + r * M * U;
    for (int64_t u = 0; u < U; ++u)
#pragma GCC unroll 4
      for (int k = 0; k < M; ++k) p[k * U + u] = line[M * u + k];
  }
  for (int64_t u0 = 0; u0 < groupsOf(tiles) * kLanes; u0 += kLanes) {
    V16 h[A][A];  // h[r][b]: row r transformed along the columns
    for (int r = 0; r < A; ++r) {
      V16 d[A];
      for (int j = 0; j < A; ++j) d[j] = load(ph + (r * M + j % M) * U + u0 + j / M);
      inputSide<M>(d, h[r]);
    }
    for (int b = 0; b < A; ++b) {
      V16 col[A], out[A];
      for (int r = 0; r < A; ++r) col[r] = h[r][b];
      inputSide<M>(col, out);
      for (int a = 0; a < A; ++a) store(v + (a * A + b) * vStride + u0, out[a]);
    }
  }
}

template <int M>
FTM_ALWAYS_INLINE void outputRowOf(const float* mv, int64_t mStride, int64_t tiles, float* const* lines, float* tmp) {
  constexpr int A = M + 2;
  for (int64_t u0 = 0; u0 < groupsOf(tiles) * kLanes; u0 += kLanes) {
    V16 s[M][A];  // s[a][b]: column b transformed along the rows
    for (int b = 0; b < A; ++b) {
      V16 col[A], o[M];
      for (int r = 0; r < A; ++r) col[r] = load(mv + (r * A + b) * mStride + u0);
      outputSide<M>(col, o);
      for (int a = 0; a < M; ++a) s[a][b] = o[a];
    }
    for (int a = 0; a < M; ++a) {
      V16 o[M];
      outputSide<M>(s[a], o);
      for (int b = 0; b < M; ++b) store(tmp + b * kLanes, o[b]);
      float* __restrict out = lines[a] + M * u0;
      for (int l = 0; l < kLanes; ++l)
#pragma GCC unroll 4
        for (int b = 0; b < M; ++b) out[M * l + b] = tmp[b * kLanes + l];
    }
  }
}

FTM_ALWAYS_INLINE void inputRowBody(int m, const float* const* lines, int64_t tiles, float* v, int64_t vStride,
                                    float* scratch) {
  if (m == 2) inputRowOf<2>(lines, tiles, v, vStride, scratch);
  else inputRowOf<4>(lines, tiles, v, vStride, scratch);
}

FTM_ALWAYS_INLINE void outputRowBody(int m, const float* mv, int64_t mStride, int64_t tiles, float* const* lines,
                                     float* scratch) {
  if (m == 2) outputRowOf<2>(mv, mStride, tiles, lines, scratch);
  else outputRowOf<4>(mv, mStride, tiles, lines, scratch);
}

FTM_MULTIVERSION(inputRow, (int m, const float* const* lines, int64_t tiles, float* v, int64_t vStride, float* scratch),
                 (m, lines, tiles, v, vStride, scratch))
FTM_MULTIVERSION(outputRow,
                 (int m, const float* mv, int64_t mStride, int64_t tiles, float* const* lines, float* scratch),
                 (m, mv, mStride, tiles, lines, scratch))

// G for F(2,3) and F(4,3) (alpha x 3).
constexpr double kG2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
constexpr double kG4[6][3] = {{1.0 / 4, 0, 0},
                              {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                              {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                              {1.0 / 24, 1.0 / 12, 1.0 / 6},
                              {1.0 / 24, -1.0 / 12, 1.0 / 6},
                              {0, 0, 1}};

}  // namespace

int64_t inputLineFloats(int m, int64_t tiles) { return m * phaseLength(tiles); }

int64_t inputRowScratch(int m, int64_t tiles) { return alphaOf(m) * m * phaseLength(tiles); }

int64_t outputRowScratch(int /*m*/, int64_t /*tiles*/) { return 4 * kLanes; }

void inputRow(int m, const float* const* lines, int64_t tiles, float* v, int64_t vStride, float* scratch) {
  inputRowDispatch(m, lines, tiles, v, vStride, scratch);
}

void outputRow(int m, const float* mv, int64_t mStride, int64_t tiles, float* const* lines, float* scratch) {
  outputRowDispatch(m, mv, mStride, tiles, lines, scratch);
}

void weightTile(int m, const float* g, int64_t rs, int64_t ss, float* u, int64_t uStride) {
  const int A = alphaOf(m);
  const auto G = [&](int a, int r) { return m == 2 ? kG2[a][r] : kG4[a][r]; };
  double gg[6][3];  // G g
  for (int a = 0; a < A; ++a)
    for (int s = 0; s < 3; ++s) {
      double acc = 0;
      for (int r = 0; r < 3; ++r) acc += G(a, r) * g[r * rs + s * ss];
      gg[a][s] = acc;
    }
  for (int a = 0; a < A; ++a)
    for (int b = 0; b < A; ++b) {
      double acc = 0;
      for (int s = 0; s < 3; ++s) acc += gg[a][s] * G(b, s);
      u[(a * A + b) * uStride] = static_cast<float>(acc);
    }
}

}  // namespace winograd
}  // namespace ftm
