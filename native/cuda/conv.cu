// Convolution, feature transfer and linear on the GPU: implicit GEMM on the tensor cores
// (implicit_gemm.cuh) for forward, backward-data and backward-weight (split-K, reduced in a
// fixed order so results are deterministic), plus the bias gradient.
#include <atomic>
#include <limits>
#include <stdexcept>
#include <string>

#include "conv_problems.cuh"
#include "cuda_conv.h"
#include "cuda_device.h"
#include "cuda_launch.h"
#include "implicit_gemm.cuh"

namespace ftm {
namespace cuda {
namespace {

std::atomic<int> gPrecision{static_cast<int>(MatmulPrecision::Tf32)};

MatmulPrecision precision() { return static_cast<MatmulPrecision>(gPrecision.load()); }

int toInt(int64_t v, const char* what) {
  if (v < 0 || v > std::numeric_limits<int>::max())
    throw std::invalid_argument(std::string("convolution too large for the CUDA kernels: ") + what + " = " +
                                std::to_string(v));
  return static_cast<int>(v);
}

ConvDims dimsOf(const ConvShape& s) {
  toInt(s.N * s.P * s.Q, "N*P*Q");
  toInt(s.N * s.H * s.W, "N*H*W");
  toInt(s.C * s.R * s.S, "C*R*S");
  toInt(s.K * s.R * s.S, "K*R*S");
  return ConvDims{toInt(s.N, "N"),   toInt(s.C, "C"),   toInt(s.H, "H"),   toInt(s.W, "W"),   toInt(s.K, "K"),
                  toInt(s.R, "R"),   toInt(s.S, "S"),   toInt(s.sh, "sh"), toInt(s.sw, "sw"), toInt(s.ph, "ph"),
                  toInt(s.pw, "pw"), toInt(s.P, "P"),   toInt(s.Q, "Q")};
}

ConvSources sourcesOf(const ConvShape& s, const std::vector<ConvSource>& xs, const std::vector<float*>* dxs) {
  if (xs.empty() || xs.size() > static_cast<size_t>(kMaxSources))
    throw std::invalid_argument("the CUDA convolution takes 1 to " + std::to_string(kMaxSources) + " sources, not " +
                                std::to_string(xs.size()));
  ConvSources src{};
  src.count = static_cast<int>(xs.size());
  int c = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    src.x[i] = xs[i].data;
    src.dx[i] = dxs ? (*dxs)[i] : nullptr;
    src.begin[i] = c;
    c += toInt(xs[i].channels, "channels");
  }
  src.begin[xs.size()] = c;
  if (c != s.C) throw std::invalid_argument("the sources' channels do not add up to C");
  return src;
}

int multiprocessors() {
  static int count = [] {
    int dev = 0, n = 0;
    CUDA_CHECK(cudaGetDevice(&dev));
    CUDA_CHECK(cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, dev));
    return n;
  }();
  return count;
}

// partial: (splits, n) -> out: (n), summed in split order.
__global__ void sumSplitsKernel(const float* partial, int splits, int64_t n, float* out) {
  CUDA_GRID_LOOP(i, n) {
    float acc = 0.0f;
    for (int z = 0; z < splits; ++z) acc += partial[z * n + i];
    out[i] = acc;
  }
}

// dy: (N, K, PQ) -> db: (K), one block per channel.
__global__ void biasGradKernel(const float* dy, int n, int k, int64_t pq, float* db) {
  __shared__ float part[kThreads];
  const int ch = blockIdx.x;
  float acc = 0.0f;
  for (int img = 0; img < n; ++img) {
    const float* plane = dy + (static_cast<int64_t>(img) * k + ch) * pq;
    for (int64_t i = threadIdx.x; i < pq; i += blockDim.x) acc += plane[i];
  }
  part[threadIdx.x] = acc;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) db[ch] = part[0];
}

}  // namespace

void setMatmulPrecision(int p) {
  if (p < 0 || p > 2) throw std::invalid_argument("matmul precision must be 0 (fp32), 1 (tf32) or 2 (bf16)");
  gPrecision.store(p);
}

int matmulPrecision() { return gPrecision.load(); }

void convForwardSources(const ConvShape& s, const std::vector<ConvSource>& xs, const float* w, const float* b,
                        float* y) {
  ConvForwardProblem pb{};
  pb.d = dimsOf(s);
  pb.src = sourcesOf(s, xs, nullptr);
  pb.M = pb.d.K;
  pb.N = pb.d.N * pb.d.P * pb.d.Q;
  pb.K = pb.d.C * pb.d.R * pb.d.S;
  pb.w = w;
  pb.bias = b;
  pb.y = y;
  launchImplicitGemm(pb, 1, precision(), stream());
}

void convBackwardDataSources(const ConvShape& s, const float* dy, const float* w, const std::vector<float*>& dxs,
                             const std::vector<int64_t>& channels) {
  std::vector<ConvSource> xs(channels.size());
  for (size_t i = 0; i < channels.size(); ++i) xs[i] = ConvSource{nullptr, channels[i]};
  if (dxs.size() != channels.size()) throw std::invalid_argument("one gradient buffer per source");
  ConvBackwardDataProblem pb{};
  pb.d = dimsOf(s);
  pb.src = sourcesOf(s, xs, &dxs);
  pb.M = pb.d.C;
  pb.N = pb.d.N * pb.d.H * pb.d.W;
  pb.K = pb.d.K * pb.d.R * pb.d.S;
  pb.w = w;
  pb.dy = dy;
  launchImplicitGemm(pb, 1, precision(), stream());
}

void convBackwardWeightSources(const ConvShape& s, const std::vector<ConvSource>& xs, const float* dy, float* dw,
                               float* db) {
  cudaStream_t st = stream();
  if (db) {
    biasGradKernel<<<static_cast<unsigned>(s.K), kThreads, 0, st>>>(dy, static_cast<int>(s.N), static_cast<int>(s.K),
                                                                   s.P * s.Q, db);
    CUDA_CHECK_LAUNCH();
  }
  if (!dw) return;
  ConvBackwardWeightProblem pb{};
  pb.d = dimsOf(s);
  pb.src = sourcesOf(s, xs, nullptr);
  pb.M = pb.d.K;
  pb.N = pb.d.C * pb.d.R * pb.d.S;
  pb.K = pb.d.N * pb.d.P * pb.d.Q;
  pb.dy = dy;
  // Few output tiles and a long reduction: split it so every SM has about two blocks.
  const int tiles = ((pb.M + kGemmBM - 1) / kGemmBM) * ((pb.N + kGemmBN - 1) / kGemmBN);
  const int want = std::max(1, std::min(64, 2 * multiprocessors() / std::max(1, tiles)));
  const SplitPlan plan = planSplits(pb.K, want);
  if (plan.splits == 1) {
    pb.out = dw;
    launchImplicitGemm(pb, 1, precision(), st);
    return;
  }
  const int64_t mn = static_cast<int64_t>(pb.M) * pb.N;
  DeviceScratch partial(static_cast<size_t>(plan.splits) * mn * sizeof(float));
  pb.out = partial.as<float>();
  launchImplicitGemm(pb, plan.splits, precision(), st);
  sumSplitsKernel<<<gridFor(mn), kThreads, 0, st>>>(partial.as<float>(), plan.splits, mn, dw);
  CUDA_CHECK_LAUNCH();
}

void conv2dForward(const ConvShape& s, const float* x, const float* w, const float* b, float* y) {
  cuda::convForwardSources(s, {ConvSource{x, s.C}}, w, b, y);
}

void conv2dBackwardData(const ConvShape& s, const float* dy, const float* w, float* dx) {
  cuda::convBackwardDataSources(s, dy, w, {dx}, {s.C});
}

void conv2dBackwardWeight(const ConvShape& s, const float* x, const float* dy, float* dw, float* db) {
  cuda::convBackwardWeightSources(s, {ConvSource{x, s.C}}, dy, dw, db);
}

void featureTransferForward(const ConvShape& s, const std::vector<ConvSource>& xs, const float* w,
                            const float* b, float* y) {
  cuda::convForwardSources(s, xs, w, b, y);
}

void featureTransferBackward(const ConvShape& s, const std::vector<ConvSource>& xs, const float* w,
                             const float* dy, const std::vector<float*>& dxs, float* dw, float* db) {
  bool anyDx = false;
  for (float* p : dxs) anyDx = anyDx || p != nullptr;
  if (anyDx) {
    std::vector<int64_t> channels(xs.size());
    for (size_t i = 0; i < xs.size(); ++i) channels[i] = xs[i].channels;
    cuda::convBackwardDataSources(s, dy, w, dxs, channels);
  }
  if (dw || db) cuda::convBackwardWeightSources(s, xs, dy, dw, db);
}

// A linear layer is a 1x1 convolution over a 1x1 image: x (N, in, 1, 1), w (out, in, 1, 1).
static ConvShape linearShape(int64_t N, int64_t in, int64_t out) {
  ConvShape s{};
  s.N = N;
  s.C = in;
  s.H = s.W = 1;
  s.K = out;
  s.R = s.S = 1;
  s.sh = s.sw = 1;
  s.ph = s.pw = 0;
  s.P = s.Q = 1;
  return s;
}

void linearForward(int64_t N, int64_t in, int64_t out, const float* x, const float* w, const float* b, float* y) {
  cuda::conv2dForward(linearShape(N, in, out), x, w, b, y);
}

void linearBackward(int64_t N, int64_t in, int64_t out, const float* x, const float* w, const float* dy,
                    float* dx, float* dw, float* db) {
  const ConvShape s = linearShape(N, in, out);
  if (dx) cuda::conv2dBackwardData(s, dy, w, dx);
  if (dw || db) cuda::conv2dBackwardWeight(s, x, dy, dw, db);
}

}  // namespace cuda
}  // namespace ftm
