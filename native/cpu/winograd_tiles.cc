// Winograd tile transforms on 16-tile vectors (GCC vector extensions; one body compiled for
// AVX-512, AVX2 and baseline by FTM_MULTIVERSION, so FTMTLNET_SIMD caps them like the rest).
#include "winograd_tiles.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "simd_dispatch.h"

#pragma GCC diagnostic ignored "-Wpsabi"
// GCC 12 flags the intrinsics' internal _mm512_undefined_ps() operands as uninitialised.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

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

// Phases 0..M-1 of 16 consecutive tiles' columns: z holds the M vectors of 16*M floats from
// tile u0's first column.
template <int M>
FTM_ALWAYS_INLINE void deinterleave(const V16* z, float* ph, int64_t U);

template <>
FTM_ALWAYS_INLINE void deinterleave<2>(const V16* z, float* ph, int64_t U) {
  const V16 z0 = z[0], z1 = z[1];
  store(ph, __builtin_shufflevector(z0, z1, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30));
  store(ph + U, __builtin_shufflevector(z0, z1, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31));
}

template <>
FTM_ALWAYS_INLINE void deinterleave<4>(const V16* z, float* ph, int64_t U) {
  const V16 z0 = z[0], z1 = z[1], z2 = z[2], z3 = z[3];
  // Phases (0, 1) and (2, 3) of tiles 0..7, then of tiles 8..15.
  const V16 a01 = __builtin_shufflevector(z0, z1, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
  const V16 a23 = __builtin_shufflevector(z0, z1, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
  const V16 b01 = __builtin_shufflevector(z2, z3, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
  const V16 b23 = __builtin_shufflevector(z2, z3, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
  store(ph, __builtin_shufflevector(a01, b01, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
  store(ph + U, __builtin_shufflevector(a01, b01, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
  store(ph + 2 * U, __builtin_shufflevector(a23, b23, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
  store(ph + 3 * U, __builtin_shufflevector(a23, b23, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
}

// Pixels of 16 consecutive tiles from their M column vectors o[b]: dst[M*l + b] = o[b][l].
template <int M>
FTM_ALWAYS_INLINE void interleave(const V16* o, float* dst);

template <>
FTM_ALWAYS_INLINE void interleave<2>(const V16* o, float* dst) {
  store(dst, __builtin_shufflevector(o[0], o[1], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
  store(dst + 16, __builtin_shufflevector(o[0], o[1], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
}

template <>
FTM_ALWAYS_INLINE void interleave<4>(const V16* o, float* dst) {
  // Pairs (o0, o1) and (o2, o3) of tiles 0..7, then of tiles 8..15.
  const V16 lo01 = __builtin_shufflevector(o[0], o[1], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const V16 hi01 = __builtin_shufflevector(o[0], o[1], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const V16 lo23 = __builtin_shufflevector(o[2], o[3], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const V16 hi23 = __builtin_shufflevector(o[2], o[3], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  store(dst, __builtin_shufflevector(lo01, lo23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
  store(dst + 16, __builtin_shufflevector(lo01, lo23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31));
  store(dst + 32, __builtin_shufflevector(hi01, hi23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
  store(dst + 48, __builtin_shufflevector(hi01, hi23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31));
}

// The M vectors of row[col, col + 16*M) with zeros outside [0, W): through a zero-extended
// copy (AVX2, baseline).
template <int M>
struct EdgeByCopy {
  FTM_ALWAYS_INLINE static void load(const float* row, int64_t W, int64_t col, V16* z) {
    constexpr int64_t kGroupFloats = M * kLanes;
    float buf[kGroupFloats];
    for (int64_t i = 0; i < kGroupFloats; ++i) buf[i] = col + i >= 0 && col + i < W ? row[col + i] : 0.0f;
    for (int j = 0; j < M; ++j) z[j] = winograd::load(buf + j * kLanes);
  }
};

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The same in AVX-512 registers: the group's vectors are cut from the 16-float blocks of the
// row around them (plain loads; blocks outside the row are zeros) by a two-source permute.
// Loading each vector with a mask instead (lanes outside the row neither read nor faulted)
// was slow on Zen 5 wherever the row was not in cache: masked loads streamed from memory at 5
// GB/s against 23 for plain ones (one thread, a 64-float-row plane), and on 32x32 and 64x64
// planes with padding every group of a row is an edge group. Only a block that the row's end
// cuts (W not a multiple of 16) still takes a mask. Inlined into FillAvx512's AVX-512 function
// below (flatten).
template <int M>
struct EdgeByPermute {
  // row[p, p + 16) with zeros outside [0, W), for p = col rounded down to a multiple of 16.
  __attribute__((target("avx512f"))) static inline __m512 block(const float* row, int64_t W, int64_t p) {
    if (p >= 0 && p + kLanes <= W) return _mm512_loadu_ps(row + p);
    if (p + kLanes <= 0 || p >= W) return _mm512_setzero_ps();
    if (p >= 0 && W - p == kLanes / 2) return _mm512_zextps256_ps512(_mm256_loadu_ps(row + p));
    const int64_t lo = std::max<int64_t>(0, -p);
    const int64_t hi = std::min<int64_t>(kLanes, W - p);
    const __mmask16 mask = static_cast<__mmask16>(((1u << hi) - 1u) & ~((1u << lo) - 1u));
    return _mm512_maskz_loadu_ps(mask, reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(row) + p * 4));
  }
  __attribute__((target("avx512f"))) static inline void load(const float* row, int64_t W, int64_t col, V16* z) {
    const int64_t off = col & (kLanes - 1);
    const int64_t p0 = col - off;
    // Lane i of vector j is lane off + i of the pair (block j, block j + 1).
    const __m512i idx = _mm512_add_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                         _mm512_set1_epi32(static_cast<int>(off)));
    __m512 prev = block(row, W, p0);
    for (int j = 0; j < M; ++j) {
      const __m512 next = block(row, W, p0 + (j + 1) * kLanes);
      const __m512 v = off == 0 ? prev : _mm512_permutex2var_ps(prev, idx, next);
      std::memcpy(&z[j], &v, sizeof v);
      prev = next;
    }
  }
};
#endif

// ph[k*U + u] = row[x0 + M*u + k] for u <= tiles (zero outside [0, W), or everywhere when row
// is null); entries past that are filler, read only by lanes past the tiles. Groups of 16 tiles
// that reach into the padding are loaded by Edge.
template <int M, typename Edge>
FTM_ALWAYS_INLINE void fillPhases(const float* __restrict row, int64_t W, int64_t x0, int64_t tiles, int64_t U,
                                  float* __restrict ph) {
  if (row == nullptr) {
    for (int64_t i = 0; i < M * U; ++i) ph[i] = 0.0f;
    return;
  }
  constexpr int64_t kGroupFloats = M * kLanes;
  int64_t u = 0;
  for (; u <= tiles; u += kLanes) {
    const int64_t col = x0 + M * u;
    if (u == tiles) {
      // Only the overlap column of the last tile is needed from this group (tiles a multiple of
      // 16, as on every 32x32 and 64x64 plane): M scalars instead of a whole group's loads and
      // shuffles, which were up to half of the fill.
      for (int k = 0; k < M; ++k) {
        V16 t = {};
        t[0] = col + k >= 0 && col + k < W ? row[col + k] : 0.0f;
        store(ph + k * U + u, t);
      }
      u += kLanes;
      break;
    }
    V16 z[M];
    if (col >= 0 && col + kGroupFloats <= W) {
      for (int j = 0; j < M; ++j) z[j] = load(row + col + j * kLanes);
    } else {
      Edge::load(row, W, col, z);
    }
    deinterleave<M>(z, ph + u, U);
  }
  for (int k = 0; k < M; ++k)
    for (int64_t f = u; f < U; ++f) ph[k * U + f] = 0.0f;
}

// One row's phases (fillPhases) for inputRowOf: inlined with the portable edge copy (AVX2,
// baseline), or a call per row into an AVX-512 function in which the edge loads are inlined
// (GCC inlines no AVX-512 code into the portable body, and a call per edge group cost as much
// as the loads on 32x32 and 64x64 planes, where every group is one).
template <int M>
struct FillByCopy {
  FTM_ALWAYS_INLINE static void fill(const float* row, int64_t W, int64_t x0, int64_t tiles, int64_t U, float* ph) {
    fillPhases<M, EdgeByCopy<M>>(row, W, x0, tiles, U, ph);
  }
};

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
template <int M>
struct FillAvx512 {
  __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,prefer-vector-width=512"), noinline, flatten)) static void fill(
      const float* row, int64_t W, int64_t x0, int64_t tiles, int64_t U, float* ph) {
    fillPhases<M, EdgeByPermute<M>>(row, W, x0, tiles, U, ph);
  }
};
#endif

template <int M, typename Fill>
FTM_ALWAYS_INLINE void inputRowOf(const float* const* rows, int64_t W, int64_t x0, int64_t tiles, float* v,
                                  int64_t vStride, float* ph) {
  constexpr int A = M + 2;
  const int64_t U = phaseLength(tiles);
  // Phase k of row r: ph[(r*M + k)*U + u] = row r at column x0 + M*u + k (tile u's column k).
  for (int r = 0; r < A; ++r) Fill::fill(rows[r], W, x0, tiles, U, ph + r * M * U);
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
FTM_ALWAYS_INLINE void outputRowOf(const float* mv, int64_t mStride, int64_t tiles, float* const* out, int64_t valid,
                                   float scale, float bias, bool relu) {
  constexpr int A = M + 2;
  const V16 zero = {}, sc = zero + scale, bi = zero + bias;
  for (int64_t u0 = 0; u0 < groupsOf(tiles) * kLanes; u0 += kLanes) {
    V16 s[M][A];  // s[a][b]: column b transformed along the rows
    for (int b = 0; b < A; ++b) {
      V16 col[A], o[M];
      for (int r = 0; r < A; ++r) col[r] = load(mv + (r * A + b) * mStride + u0);
      outputSide<M>(col, o);
      for (int a = 0; a < M; ++a) s[a][b] = o[a];
    }
    const int64_t count = std::min<int64_t>(M * kLanes, valid - M * u0);
    for (int a = 0; a < M; ++a) {
      if (out[a] == nullptr) continue;
      V16 o[M];
      outputSide<M>(s[a], o);
      for (int b = 0; b < M; ++b) {
        o[b] = o[b] * sc + bi;
        if (relu) o[b] = o[b] < zero ? zero : o[b];  // std::max(v, 0): NaN stays NaN
      }
      // Interleave the M column vectors into pixels: straight into the row when all are valid.
      float line[M * kLanes];
      float* dst = count == M * kLanes ? out[a] + M * u0 : line;
      interleave<M>(o, dst);
      if (dst == line) std::memcpy(out[a] + M * u0, line, static_cast<size_t>(count) * sizeof(float));
    }
  }
}

// G for F(2,3) and F(4,3) (alpha x 3).
constexpr float kG2[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
constexpr float kG4[6][3] = {{1.0f / 4, 0, 0},
                             {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                             {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                             {1.0f / 24, 1.0f / 12, 1.0f / 6},
                             {1.0f / 24, -1.0f / 12, 1.0f / 6},
                             {0, 0, 1}};

template <int M>
FTM_ALWAYS_INLINE void weightTilesOf(const float (*G)[3], const float* g, int64_t count, float* u, int64_t uStride) {
  constexpr int A = M + 2;
  constexpr int64_t kBlock = 256;
  float gg[A][3][kBlock];  // G g for a block of kernels
  for (int64_t i0 = 0; i0 < count; i0 += kBlock) {
    const int64_t n = std::min(kBlock, count - i0);
    for (int a = 0; a < A; ++a)
      for (int s = 0; s < 3; ++s) {
        const float* __restrict g0 = g + s * count + i0;
        const float* __restrict g1 = g + (3 + s) * count + i0;
        const float* __restrict g2 = g + (6 + s) * count + i0;
        float* __restrict dst = gg[a][s];
        for (int64_t i = 0; i < n; ++i) dst[i] = G[a][0] * g0[i] + G[a][1] * g1[i] + G[a][2] * g2[i];
      }
    for (int a = 0; a < A; ++a)
      for (int b = 0; b < A; ++b) {
        float* __restrict dst = u + (a * A + b) * uStride + i0;
        for (int64_t i = 0; i < n; ++i) dst[i] = gg[a][0][i] * G[b][0] + gg[a][1][i] * G[b][1] + gg[a][2][i] * G[b][2];
      }
  }
}

template <template <int> class Fill>
FTM_ALWAYS_INLINE void inputRowWith(int m, const float* const* rows, int64_t W, int64_t x0, int64_t tiles, float* v,
                                    int64_t vStride, float* scratch) {
  if (m == 2) inputRowOf<2, Fill<2>>(rows, W, x0, tiles, v, vStride, scratch);
  else inputRowOf<4, Fill<4>>(rows, W, x0, tiles, v, vStride, scratch);
}

// The portable body (the AVX2 and baseline clones): edge groups through a zero-extended copy.
FTM_ALWAYS_INLINE void inputRowBody(int m, const float* const* rows, int64_t W, int64_t x0, int64_t tiles, float* v,
                                    int64_t vStride, float* scratch) {
  inputRowWith<FillByCopy>(m, rows, W, x0, tiles, v, vStride, scratch);
}

FTM_ALWAYS_INLINE void outputRowBody(int m, const float* mv, int64_t mStride, int64_t tiles, float* const* out,
                                     int64_t valid, float scale, float bias, bool relu) {
  if (m == 2) outputRowOf<2>(mv, mStride, tiles, out, valid, scale, bias, relu);
  else outputRowOf<4>(mv, mStride, tiles, out, valid, scale, bias, relu);
}

FTM_ALWAYS_INLINE void weightTilesBody(int m, const float* g, int64_t count, float* u, int64_t uStride) {
  if (m == 2) weightTilesOf<2>(kG2, g, count, u, uStride);
  else weightTilesOf<4>(kG4, g, count, u, uStride);
}

// inputRow's AVX-512 clone by hand: it fills each row's phases in one AVX-512 call (FillAvx512).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,prefer-vector-width=512"))) static void inputRowAvx512(
    int m, const float* const* rows, int64_t W, int64_t x0, int64_t tiles, float* v, int64_t vStride, float* scratch) {
  inputRowWith<FillAvx512>(m, rows, W, x0, tiles, v, vStride, scratch);
}
#endif
FTM_MULTIVERSION_OWN_AVX512(inputRow,
                            (int m, const float* const* rows, int64_t W, int64_t x0, int64_t tiles, float* v,
                             int64_t vStride, float* scratch),
                            (m, rows, W, x0, tiles, v, vStride, scratch))
FTM_MULTIVERSION(outputRow,
                 (int m, const float* mv, int64_t mStride, int64_t tiles, float* const* out, int64_t valid, float scale,
                  float bias, bool relu),
                 (m, mv, mStride, tiles, out, valid, scale, bias, relu))
FTM_MULTIVERSION(weightTiles, (int m, const float* g, int64_t count, float* u, int64_t uStride),
                 (m, g, count, u, uStride))

}  // namespace

int64_t inputRowScratch(int m, int64_t tiles) { return alphaOf(m) * m * phaseLength(tiles); }

void inputRow(int m, const float* const* rows, int64_t W, int64_t x0, int64_t tiles, float* v, int64_t vStride,
              float* scratch) {
  inputRowDispatch(m, rows, W, x0, tiles, v, vStride, scratch);
}

void outputRow(int m, const float* mv, int64_t mStride, int64_t tiles, float* const* out, int64_t valid, float scale,
               float bias, bool relu) {
  outputRowDispatch(m, mv, mStride, tiles, out, valid, scale, bias, relu);
}

void weightTiles(int m, const float* g, int64_t count, float* u, int64_t uStride) {
  weightTilesDispatch(m, g, count, u, uStride);
}

}  // namespace winograd
}  // namespace ftm
