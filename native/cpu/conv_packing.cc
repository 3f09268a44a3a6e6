// Transposing panel packer over row pointers (16 x 16 AVX-512 blocks when the CPU has them).
#include "conv_packing.h"

#include <algorithm>

#include "cpu_features.h"
#include "transpose_avx512.h"

namespace ftm {

void TransposedRowsPacker::pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int nr, float* dst) const {
  const int64_t kValid = std::max<int64_t>(0, std::min(kc, pixels_ - k0));
  for (int64_t jr = 0; jr < nc; jr += nr) {
    float* panel = dst + jr * kc;
    const int64_t cols = std::max<int64_t>(0, std::min<int64_t>(std::min<int64_t>(nr, nc - jr), count_ - (n0 + jr)));
    const float* const* src = rows_ + n0 + jr;
#if defined(__x86_64__)
    if (simdLevel() == SimdLevel::Avx512) {
      for (int64_t jg = 0; jg < cols; jg += 16)
        for (int64_t kb = 0; kb < kValid; kb += 16)
          transposeRows16Avx512(src + jg, k0 + kb, static_cast<int>(std::min<int64_t>(16, cols - jg)),
                                static_cast<int>(std::min<int64_t>(16, kValid - kb)), panel + kb * nr + jg, nr);
    } else
#endif
    {
      for (int64_t kb = 0; kb < kValid; kb += 16) {
        const int64_t ke = std::min<int64_t>(kValid, kb + 16);
        for (int64_t j = 0; j < cols; ++j) {
          const float* s = src[j] + k0;
          for (int64_t kk = kb; kk < ke; ++kk) panel[kk * nr + j] = s[kk];
        }
      }
    }
    for (int64_t kk = 0; kk < kc; ++kk) {
      const int64_t from = kk < kValid ? cols : 0;
      std::fill(panel + kk * nr + from, panel + (kk + 1) * nr, 0.0f);
    }
  }
}

}  // namespace ftm
