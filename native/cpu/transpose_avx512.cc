// 16 x 16 float transpose in zmm registers (unpack 32/64-bit, then two 128-bit lane shuffles).
#include "transpose_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>

// GCC 12 flags the intrinsics' internal _mm512_undefined_ps() operands as uninitialised.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace ftm {

namespace {

// The transpose proper: row i of the block starts at rowAt(i).
template <typename RowAt>
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"), always_inline)) inline void transpose16(
    RowAt rowAt, int rows, int cols, float* dst, int64_t ldd) {
  const __mmask16 colMask = static_cast<__mmask16>((1u << cols) - 1);
  __m512 r[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) r[i] = i < rows ? _mm512_maskz_loadu_ps(colMask, rowAt(i)) : _mm512_setzero_ps();
  __m512 t[16], u[16], v[16];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
    u[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    u[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    u[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    u[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  // u[4g + q] holds, in 128-bit lane L, rows 4g..4g+3 of column 4L + q.
#pragma GCC unroll 4
  for (int q = 0; q < 4; ++q) {
    v[q] = _mm512_shuffle_f32x4(u[q], u[4 + q], 0x88);       // lanes 0,2 of g0 | lanes 0,2 of g1
    v[4 + q] = _mm512_shuffle_f32x4(u[q], u[4 + q], 0xdd);   // lanes 1,3 of g0 | lanes 1,3 of g1
    v[8 + q] = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0x88);
    v[12 + q] = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0xdd);
  }
  const __mmask16 rowMask = static_cast<__mmask16>((1u << rows) - 1);
#pragma GCC unroll 4
  for (int q = 0; q < 4; ++q) {
    // Column 4L + q for L = 0..3.
    const __m512 c0 = _mm512_shuffle_f32x4(v[q], v[8 + q], 0x88);
    const __m512 c2 = _mm512_shuffle_f32x4(v[q], v[8 + q], 0xdd);
    const __m512 c1 = _mm512_shuffle_f32x4(v[4 + q], v[12 + q], 0x88);
    const __m512 c3 = _mm512_shuffle_f32x4(v[4 + q], v[12 + q], 0xdd);
    if (q < cols) _mm512_mask_storeu_ps(dst + q * ldd, rowMask, c0);
    if (4 + q < cols) _mm512_mask_storeu_ps(dst + (4 + q) * ldd, rowMask, c1);
    if (8 + q < cols) _mm512_mask_storeu_ps(dst + (8 + q) * ldd, rowMask, c2);
    if (12 + q < cols) _mm512_mask_storeu_ps(dst + (12 + q) * ldd, rowMask, c3);
  }
}

}  // namespace

__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))) void transposeBlock16Avx512(
    const float* src, int64_t lds, int rows, int cols, float* dst, int64_t ldd) {
  transpose16([&](int i) { return src + i * lds; }, rows, cols, dst, ldd);
}

__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))) void transposeRows16Avx512(
    const float* const* src, int64_t col, int rows, int cols, float* dst, int64_t ldd) {
  transpose16([&](int i) { return src[i] + col; }, rows, cols, dst, ldd);
}

}  // namespace ftm
#endif
