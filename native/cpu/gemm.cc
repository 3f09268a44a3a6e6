// SGEMM driver: kernel choice, matrix packers, BLIS-style blocking (jc, pc, ic, jr, ir) and
// the split of (M, N) blocks over the thread pool.
#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "cpu_features.h"
#include "memory_pool.h"
#include "gemm_kernels.h"
#include "thread_pool.h"
#include "transpose_avx512.h"

namespace ftm {

static GemmKernel chooseKernel() {
  GemmKernel k = kGemmKernelScalar;
#if defined(__x86_64__)
  switch (simdLevel()) {
    case SimdLevel::Avx512: k = kGemmKernelAvx512; break;
    case SimdLevel::Avx2: k = kGemmKernelAvx2; break;
    default: break;
  }
#endif
  return k;
}

const GemmKernel& gemmKernel() {
  static const GemmKernel k = chooseKernel();
  return k;
}

namespace {

struct AlignedBuffer {
  float* data = nullptr;
  size_t floats = 0;
  ~AlignedBuffer() { std::free(data); }
  float* reserve(size_t n) {
    if (n > floats) {
      std::free(data);
      const size_t bytes = ((n * sizeof(float)) + 63) / 64 * 64;
      data = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (data == nullptr) {
        floats = 0;
        throw std::bad_alloc();
      }
      floats = n;
    }
    return data;
  }
};

constexpr int kScratchSlots = 12;
thread_local AlignedBuffer tScratch[kScratchSlots];

int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Floats of packed B kept per thread (about a quarter of a 1 MB L2).
constexpr int64_t kBlockFloats = 64 * 1024;

}  // namespace

float* threadScratch(int slot, size_t floats) { return tScratch[slot].reserve(floats); }

int64_t gemmKBlock(const GemmKernel& kern, int64_t kLength) {
  const int64_t blocks = std::max<int64_t>(1, (kLength + kern.kc - 1) / kern.kc);
  return std::max<int64_t>(1, (kLength + blocks - 1) / blocks);
}

const float* MatrixAPacker::pack(int64_t m0, int64_t mc, int64_t k0, int64_t kc, int mr, float* dst) const {
  for (int64_t ir = 0; ir < mc; ir += mr) {
    float* panel = dst + ir * kc;
    const int rows = static_cast<int>(std::min<int64_t>(mr, std::min(mc - ir, rows_ - (m0 + ir))));
#if defined(__x86_64__)
    if (cs_ == 1 && rows > 0 && mr <= 16 && simdLevel() == SimdLevel::Avx512) {
      const float* src = p_ + (m0 + ir) * rs_ + k0;
      for (int64_t kb = 0; kb < kc; kb += 16)
        transposeBlock16Avx512(src + kb, rs_, rows, static_cast<int>(std::min<int64_t>(16, kc - kb)), panel + kb * mr, mr);
    } else
#endif
    if (cs_ == 1) {
      for (int i = 0; i < rows; ++i) {
        const float* src = p_ + (m0 + ir + i) * rs_ + k0;
        for (int64_t k = 0; k < kc; ++k) panel[k * mr + i] = src[k];
      }
    } else {
      for (int i = 0; i < rows; ++i) {
        const float* src = p_ + (m0 + ir + i) * rs_ + k0 * cs_;
        for (int64_t k = 0; k < kc; ++k) panel[k * mr + i] = src[k * cs_];
      }
    }
    for (int i = std::max(rows, 0); i < mr; ++i)
      for (int64_t k = 0; k < kc; ++k) panel[k * mr + i] = 0.0f;
  }
  return dst;
}

void MatrixBPacker::pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int nr, float* dst) const {
  for (int64_t jr = 0; jr < nc; jr += nr) {
    float* panel = dst + jr * kc;
    const int cols = static_cast<int>(std::min<int64_t>(nr, std::min(nc - jr, cols_ - (n0 + jr))));
    if (cs_ == 1) {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = p_ + (k0 + k) * rs_ + n0 + jr;
        float* d = panel + k * nr;
        std::memcpy(d, src, sizeof(float) * cols);
        for (int j = cols; j < nr; ++j) d[j] = 0.0f;
      }
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        float* d = panel + k * nr;
        for (int j = 0; j < nr; ++j) d[j] = 0.0f;
      }
#if defined(__x86_64__)
      if (rs_ == 1 && simdLevel() == SimdLevel::Avx512) {
        for (int jg = 0; jg < cols; jg += 16)
          for (int64_t kb = 0; kb < kc; kb += 16)
            transposeBlock16Avx512(p_ + (n0 + jr + jg) * cs_ + k0 + kb, cs_, std::min(16, cols - jg),
                                   static_cast<int>(std::min<int64_t>(16, kc - kb)), panel + kb * nr + jg, nr);
        continue;
      }
#endif
      for (int j = 0; j < cols; ++j) {
        const float* src = p_ + k0 * rs_ + (n0 + jr + j) * cs_;
        for (int64_t k = 0; k < kc; ++k) panel[k * nr + j] = src[k * rs_];
      }
    }
  }
}

PrepackedA::PrepackedA(const APacker& source, int64_t M, int64_t K, bool pooled) : pooled_(pooled) {
  const GemmKernel& kern = gemmKernel();
  mpad_ = roundUp(M, kern.mr);
  const size_t bytes = static_cast<size_t>(std::max<int64_t>(mpad_ * K, 1)) * sizeof(float);
  // From the caching pool: weights are packed on every call, and a fresh mapping per call
  // (glibc mmaps blocks over 128 KiB) costs page faults each time.
  if (pooled) {
    data_ = static_cast<float*>(poolAlloc(bytes));
  } else {
    data_ = static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
    if (data_ == nullptr) throw std::bad_alloc();
  }
  // Block (k0, kc) holds all M panels at data_ + k0*mpad_, panel p at + p*kc*mr.
  const int64_t kcBlock = gemmKBlock(kern, K);
  const int64_t kBlocks = (K + kcBlock - 1) / kcBlock;
  const int64_t mPanels = mpad_ / kern.mr;
  // Small weights are packed on the calling thread (waking the pool costs more than it saves).
  const auto packPanels = [&](size_t begin, size_t end, int) {
    for (size_t u = begin; u < end; ++u) {
      const int64_t kb = static_cast<int64_t>(u) / mPanels;
      const int64_t p = static_cast<int64_t>(u) % mPanels;
      const int64_t k0 = kb * kcBlock;
      const int64_t kc = std::min(kcBlock, K - k0);
      float* dst = data_ + k0 * mpad_ + p * kc * kern.mr;
      const float* got = source.pack(p * kern.mr, kern.mr, k0, kc, kern.mr, dst);
      if (got != dst) std::memcpy(dst, got, sizeof(float) * kc * kern.mr);
    }
  };
  const size_t units = static_cast<size_t>(kBlocks * mPanels);
  if (mpad_ * K < (1 << 18)) packPanels(0, units, 0);
  else parallelFor(units, packPanels);
}

PrepackedA::~PrepackedA() {
  if (pooled_) poolFree(data_);
  else std::free(data_);
}

const float* PrepackedA::pack(int64_t m0, int64_t /*mc*/, int64_t k0, int64_t kc, int mr, float* /*dst*/) const {
  return data_ + k0 * mpad_ + m0 * kc + 0 * mr;
}

void gemmSerial(const GemmKernel& kern, int64_t M, int64_t n0, int64_t n1, int64_t k0, int64_t k1,
                const APacker& a, const BPacker& b, float* c, int64_t ldc, bool accumulate,
                const float* rowBias) {
  const int mr = kern.mr;
  const int nr = kern.nr;
  if (k1 <= k0) {
    // Empty sum: C = bias or 0 (or unchanged when accumulating).
    if (accumulate) return;
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = n0; j < n1; ++j) c[i * ldc + j] = rowBias ? rowBias[i] : 0.0f;
    return;
  }
  // K blocks of equal size up to kern.kc (a whole small K in one block, so C is written once);
  // N blocks sized so the packed B block (kc x nc) stays in L2 next to the A block.
  const int64_t kcMax = gemmKBlock(kern, k1 - k0);
  const int64_t ncMax = std::max<int64_t>(nr, std::min(kern.nc, kBlockFloats / (kcMax * nr) * nr));
  const int64_t mcMax = kern.mc;
  float* bufB = threadScratch(0, static_cast<size_t>(kcMax * roundUp(ncMax, nr)));
  float* bufA = threadScratch(1, static_cast<size_t>(kcMax * roundUp(mcMax, mr)));
  for (int64_t jc = n0; jc < n1; jc += ncMax) {
    const int64_t nc = std::min(ncMax, n1 - jc);
    for (int64_t pc = k0; pc < k1; pc += kcMax) {
      const int64_t kc = std::min(kcMax, k1 - pc);
      b.pack(pc, kc, jc, nc, nr, bufB);
      const bool first = pc == k0 && !accumulate;
      for (int64_t ic = 0; ic < M; ic += mcMax) {
        const int64_t mc = std::min(mcMax, M - ic);
        const float* blockA = a.pack(ic, mc, pc, kc, mr, bufA);
        for (int64_t jr = 0; jr < nc; jr += nr) {
          const int nrr = static_cast<int>(std::min<int64_t>(nr, nc - jr));
          const float* panelB = bufB + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += mr) {
            const int mrr = static_cast<int>(std::min<int64_t>(mr, mc - ir));
            kern.fn(kc, blockA + ir * kc, panelB, c + (ic + ir) * ldc + jc + jr, ldc, mrr, nrr, !first,
                    first && rowBias ? rowBias + ic + ir : nullptr);
          }
        }
      }
    }
  }
}

void gemm(int64_t M, int64_t N, int64_t K, const APacker& a, const BPacker& b, float* c, int64_t ldc,
          bool accumulate, const float* rowBias) {
  if (M <= 0 || N <= 0) return;
  const GemmKernel& kern = gemmKernel();
  const int threads = numThreads();
  // Split M into row chunks only when N alone cannot feed the threads.
  int64_t nChunk = std::min<int64_t>(kern.nc, roundUp(N, kern.nr));
  const int64_t nChunksWanted = 2 * threads;
  if ((N + nChunk - 1) / nChunk < nChunksWanted)
    nChunk = std::max<int64_t>(kern.nr, roundUp((N + nChunksWanted - 1) / nChunksWanted, kern.nr));
  const int64_t nChunks = (N + nChunk - 1) / nChunk;
  int64_t mChunk = M;
  if (nChunks < threads && M >= 2 * kern.mr * threads)
    mChunk = roundUp((M + threads - 1) / threads, kern.mr);
  const int64_t mChunks = (M + mChunk - 1) / mChunk;
  const double flops = 2.0 * M * N * std::max<int64_t>(K, 1);
  if (flops < 2e5) {
    gemmSerial(kern, M, 0, N, 0, K, a, b, c, ldc, accumulate, rowBias);
    return;
  }
  // A is packed once and shared: otherwise every column block would pack its rows again.
  const PrepackedA packedA(a, M, K);
  if (nChunks * mChunks == 1) {
    gemmSerial(kern, M, 0, N, 0, K, packedA, b, c, ldc, accumulate, rowBias);
    return;
  }
  parallelForDynamic(static_cast<size_t>(nChunks * mChunks), 1, [&](size_t begin, size_t end, int) {
    for (size_t u = begin; u < end; ++u) {
      const int64_t mi = static_cast<int64_t>(u) % mChunks;
      const int64_t ni = static_cast<int64_t>(u) / mChunks;
      const int64_t m0 = mi * mChunk;
      const int64_t mc = std::min(mChunk, M - m0);
      const int64_t n0 = ni * nChunk;
      const int64_t n1 = std::min(N, n0 + nChunk);
      // Row offset m0: shift A rows and C rows through a view.
      struct ShiftedA : APacker {
        const APacker& base;
        int64_t off;
        ShiftedA(const APacker& b, int64_t o) : base(b), off(o) {}
        const float* pack(int64_t m, int64_t mcc, int64_t k, int64_t kc, int mr, float* dst) const override {
          return base.pack(m + off, mcc, k, kc, mr, dst);
        }
      } shifted(packedA, m0);
      gemmSerial(kern, mc, n0, n1, 0, K, shifted, b, c + m0 * ldc, ldc, accumulate,
                 rowBias ? rowBias + m0 : nullptr);
    }
  });
}

}  // namespace ftm
