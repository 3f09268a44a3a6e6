// AVX-512 block transposes for the GEMM packers (callers check simdLevel() first).
#pragma once
#include <cstdint>

namespace ftm {

// dst[c*ldd + r] = src[r*lds + c] for r < rows, c < cols (rows, cols <= 16); rows past `rows`
// are not read, and each output row c gets exactly `rows` floats written.
void transposeBlock16Avx512(const float* src, int64_t lds, int rows, int cols, float* dst, int64_t ldd);
// The same with row r starting at src[r] + col.
void transposeRows16Avx512(const float* const* src, int64_t col, int rows, int cols, float* dst, int64_t ldd);

}  // namespace ftm
