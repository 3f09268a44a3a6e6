// Blocked, packed SGEMM: C (M x N) = A (M x K) * B (K x N), with pluggable panel packers
// so convolutions can pack B straight from an image (implicit im2col, no column buffer).
#pragma once
#include <cstddef>
#include <cstdint>

namespace ftm {

// Register-tile micro-kernel: c[0..mr)[0..nr) (row stride ldc) =
//   (accumulate ? c : (rowBias ? rowBias[i] : 0)) + sum_k a[k*MR + i] * b[k*NR + j].
// a: kc x MR packed panel, b: kc x NR packed panel (both zero-padded past mr/nr).
using MicroKernelFn = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int mr,
                               int nr, bool accumulate, const float* rowBias);

struct GemmKernel {
  const char* name;
  int mr, nr;           // register tile
  int64_t kc, mc, nc;   // cache blocking: max K block, M block, max N block (multiples of mr / nr)
  MicroKernelFn fn;
};

// The micro-kernel chosen for this CPU (simdLevel()).
const GemmKernel& gemmKernel();

// K block length used for a K range of kLength: equal blocks of at most kern.kc.
int64_t gemmKBlock(const GemmKernel& kern, int64_t kLength);

// Packs rows [m0, m0+mc) x cols [k0, k0+kc) of A into ceil(mc/mr) panels, each kc x mr
// (panel p at dst + p*kc*mr, element (k, i) at [k*mr + i]), rows past M zero.
class APacker {
 public:
  virtual ~APacker() = default;
  // Returns the packed block: either dst (after packing into it) or a prepacked copy.
  virtual const float* pack(int64_t m0, int64_t mc, int64_t k0, int64_t kc, int mr, float* dst) const = 0;
};

// Packs rows [k0, k0+kc) x cols [n0, n0+nc) of B into ceil(nc/nr) panels, each kc x nr
// (panel p at dst + p*kc*nr, element (k, j) at [k*nr + j]), columns past N zero.
class BPacker {
 public:
  virtual ~BPacker() = default;
  virtual void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int nr, float* dst) const = 0;
};

// A(m, k) = p[m*rowStride + k*colStride] (row-major: colStride 1; transposed: rowStride 1).
class MatrixAPacker : public APacker {
 public:
  MatrixAPacker(const float* p, int64_t rows, int64_t rowStride, int64_t colStride)
      : p_(p), rows_(rows), rs_(rowStride), cs_(colStride) {}
  const float* pack(int64_t m0, int64_t mc, int64_t k0, int64_t kc, int mr, float* dst) const override;

 private:
  const float* p_;
  int64_t rows_, rs_, cs_;
};

// B(k, n) = p[k*rowStride + n*colStride].
class MatrixBPacker : public BPacker {
 public:
  MatrixBPacker(const float* p, int64_t cols, int64_t rowStride, int64_t colStride)
      : p_(p), cols_(cols), rs_(rowStride), cs_(colStride) {}
  void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int nr, float* dst) const override;

 private:
  const float* p_;
  int64_t cols_, rs_, cs_;
};

// A packed once for the whole M x K with the kernel's blocking, shared read-only by all
// threads (weights: packed once per call instead of once per block per thread).
class PrepackedA : public APacker {
 public:
  // pooled: from the caching pool (packed per call); false: from the system allocator, for
  // panels kept between calls (winograd_weights.cc) that must not count as pool memory in use.
  PrepackedA(const APacker& source, int64_t M, int64_t K, bool pooled = true);
  ~PrepackedA() override;
  PrepackedA(const PrepackedA&) = delete;
  PrepackedA& operator=(const PrepackedA&) = delete;
  const float* pack(int64_t m0, int64_t mc, int64_t k0, int64_t kc, int mr, float* dst) const override;

 private:
  int64_t mpad_ = 0;
  float* data_ = nullptr;
  bool pooled_ = true;
};

// Single-threaded blocked GEMM over columns [n0, n1) and K range [k0, k1) for all M rows.
// c points at C(0, 0); rowBias (length M) is added when !accumulate.
void gemmSerial(const GemmKernel& kern, int64_t M, int64_t n0, int64_t n1, int64_t k0, int64_t k1,
                const APacker& a, const BPacker& b, float* c, int64_t ldc, bool accumulate,
                const float* rowBias);

// Multi-threaded GEMM (splits M and N over the thread pool): C = [C +] A*B [+ rowBias].
void gemm(int64_t M, int64_t N, int64_t K, const APacker& a, const BPacker& b, float* c, int64_t ldc,
          bool accumulate, const float* rowBias);

// Aligned per-thread scratch that grows on demand (packing buffers; slots 0-6 GEMM and direct
// convolution, 7 the pointwise convolution, 8-11 the Winograd convolution).
float* threadScratch(int slot, size_t floats);

}  // namespace ftm
