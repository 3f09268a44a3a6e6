// The three convolution passes as implicit-GEMM problems (see implicit_gemm.cuh). The input
// may be up to kMaxSources channel-concatenated tensors (the fused feature-transfer op): the
// GEMM reads each source in place and the data gradient is written straight into each source's
// own gradient buffer.
#pragma once
#include <cstdint>

namespace ftm {
namespace cuda {

constexpr int kMaxSources = 8;

// x: (N,C,H,W), w: (K,C,R,S), stride (sh,sw), padding (ph,pw) -> y: (N,K,P,Q); C is the sum of
// the sources' channels.
struct ConvDims {
  int N, C, H, W, K, R, S, sh, sw, ph, pw, P, Q;
};

struct ConvSources {
  const float* x[kMaxSources];
  float* dx[kMaxSources];        // data gradients (null: not wanted)
  int begin[kMaxSources + 1];    // first channel of each source; begin[count] = C
  int count;
};

__device__ __forceinline__ int sourceOf(const ConvSources& s, int c) {
  int i = 0;
  while (i + 1 < s.count && c >= s.begin[i + 1]) ++i;
  return i;
}

// Forward: M = K, N = N*P*Q, K = C*R*S. A = w (K, CRS); B = im2col(x); y = A B + b.
struct ConvForwardProblem {
  int M, N, K, kChunk;
  ConvDims d;
  ConvSources src;
  const float* w;
  const float* bias;  // (K) or null
  float* y;
  struct Row {
    const float* w;
  };
  struct Col {
    int img, ih0, iw0;
  };
  __device__ Row rowInfo(int m) const { return Row{w + static_cast<int64_t>(m) * K}; }
  __device__ float a(const Row& r, int k) const { return r.w[k]; }
  __device__ Col colInfo(int n) const {
    const int pq = d.P * d.Q;
    const int img = n / pq, rem = n - img * pq, p = rem / d.Q, q = rem - p * d.Q;
    return Col{img, p * d.sh - d.ph, q * d.sw - d.pw};
  }
  __device__ float b(const Col& col, int k) const {
    const int rs = d.R * d.S;
    const int c = k / rs, t = k - c * rs, r = t / d.S, s = t - r * d.S;
    const int ih = col.ih0 + r, iw = col.iw0 + s;
    if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) return 0.0f;
    const int i = sourceOf(src, c);
    const int ci = src.begin[i + 1] - src.begin[i];
    return src.x[i][((static_cast<int64_t>(col.img) * ci + (c - src.begin[i])) * d.H + ih) * d.W + iw];
  }
  __device__ void store(int m, int n, float v, int) const {
    const int pq = d.P * d.Q;
    const int img = n / pq, rem = n - img * pq;
    y[(static_cast<int64_t>(img) * d.K + m) * pq + rem] = bias ? v + bias[m] : v;
  }
};

// Backward data (a transposed convolution): M = C, N = N*H*W, K = K*R*S.
// A(c, k r s) = w[k, c, r, s]; B(k r s, n h w) = dy[n, k, p, q] where h = p*sh - ph + r.
struct ConvBackwardDataProblem {
  int M, N, K, kChunk;
  ConvDims d;
  ConvSources src;
  const float* w;
  const float* dy;
  struct Row {
    int c;
  };
  struct Col {
    int img, hp, wp;  // h + ph, w + pw
  };
  __device__ Row rowInfo(int m) const { return Row{m}; }
  __device__ float a(const Row& r, int k) const {
    const int rs = d.R * d.S;
    const int kk = k / rs, t = k - kk * rs;
    return w[(static_cast<int64_t>(kk) * d.C + r.c) * rs + t];
  }
  __device__ Col colInfo(int n) const {
    const int hw = d.H * d.W;
    const int img = n / hw, rem = n - img * hw, h = rem / d.W, x = rem - h * d.W;
    return Col{img, h + d.ph, x + d.pw};
  }
  __device__ float b(const Col& col, int k) const {
    const int rs = d.R * d.S;
    const int kk = k / rs, t = k - kk * rs, r = t / d.S, s = t - r * d.S;
    const int pn = col.hp - r, qn = col.wp - s;
    if (pn < 0 || qn < 0) return 0.0f;
    const int p = pn / d.sh, q = qn / d.sw;
    if (p * d.sh != pn || q * d.sw != qn || p >= d.P || q >= d.Q) return 0.0f;
    return dy[(static_cast<int64_t>(col.img) * d.K + kk) * (d.P * d.Q) + p * d.Q + q];
  }
  __device__ void store(int m, int n, float v, int) const {
    const int i = sourceOf(src, m);
    float* dx = src.dx[i];
    if (dx == nullptr) return;
    const int hw = d.H * d.W;
    const int img = n / hw, rem = n - img * hw;
    const int ci = src.begin[i + 1] - src.begin[i];
    dx[(static_cast<int64_t>(img) * ci + (m - src.begin[i])) * hw + rem] = v;
  }
};

// Backward weight: M = K, N = C*R*S, K = N*P*Q (long: split over blockIdx.z into partials).
// A(k, n p q) = dy[n, k, p, q]; B(n p q, c r s) = im2col(x).
struct ConvBackwardWeightProblem {
  int M, N, K, kChunk;
  ConvDims d;
  ConvSources src;
  const float* dy;
  float* out;  // (splits, K, CRS) partial sums, or dw itself when there is one split
  struct Row {
    int k;
  };
  struct Col {
    const float* x;  // the source's channel plane of image 0
    int ci, r, s;    // the source's channel count, kernel offsets
    bool valid;
  };
  __device__ Row rowInfo(int m) const { return Row{m}; }
  __device__ float a(const Row& r, int k) const {
    const int pq = d.P * d.Q;
    const int img = k / pq, rem = k - img * pq;
    return dy[(static_cast<int64_t>(img) * d.K + r.k) * pq + rem];
  }
  __device__ Col colInfo(int n) const {
    const int rs = d.R * d.S;
    const int c = n / rs, t = n - c * rs, r = t / d.S, s = t - r * d.S;
    const int i = sourceOf(src, c);
    const int ci = src.begin[i + 1] - src.begin[i];
    return Col{src.x[i] + static_cast<int64_t>(c - src.begin[i]) * d.H * d.W, ci, r, s, true};
  }
  __device__ float b(const Col& col, int k) const {
    const int pq = d.P * d.Q;
    const int img = k / pq, rem = k - img * pq, p = rem / d.Q, q = rem - p * d.Q;
    const int ih = p * d.sh - d.ph + col.r, iw = q * d.sw - d.pw + col.s;
    if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) return 0.0f;
    return col.x[(static_cast<int64_t>(img) * col.ci * d.H + ih) * d.W + iw];
  }
  __device__ void store(int m, int n, float v, int split) const {
    out[(static_cast<int64_t>(split) * M + m) * N + n] = v;
  }
};

}  // namespace cuda
}  // namespace ftm
