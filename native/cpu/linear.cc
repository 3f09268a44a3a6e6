// linear = three GEMMs: y = x w^T, dx = dy w, dw = dy^T x (strided packers, no transposes).
#include "linear.h"

#include "gemm.h"

namespace ftm {

void linearForward(int64_t N, int64_t in, int64_t out, const float* x, const float* w, const float* b, float* y) {
  if (b != nullptr) {
    for (int64_t n = 0; n < N; ++n)
      for (int64_t o = 0; o < out; ++o) y[n * out + o] = b[o];
  }
  MatrixAPacker a(x, N, in, 1);        // A(n, i) = x[n][i]
  MatrixBPacker bw(w, out, 1, in);     // B(i, o) = w[o][i]
  gemm(N, out, in, a, bw, y, out, b != nullptr, nullptr);
}

void linearBackward(int64_t N, int64_t in, int64_t out, const float* x, const float* w, const float* dy,
                    float* dx, float* dw, float* db) {
  if (dx != nullptr) {
    MatrixAPacker a(dy, N, out, 1);    // A(n, o) = dy[n][o]
    MatrixBPacker bw(w, in, in, 1);    // B(o, i) = w[o][i]
    gemm(N, in, out, a, bw, dx, in, false, nullptr);
  }
  if (dw != nullptr) {
    MatrixAPacker a(dy, out, 1, out);  // A(o, n) = dy[n][o]
    MatrixBPacker bx(x, in, in, 1);    // B(n, i) = x[n][i]
    gemm(out, in, N, a, bx, dw, in, false, nullptr);
  }
  if (db != nullptr) {
    for (int64_t o = 0; o < out; ++o) {
      double sum = 0;
      for (int64_t n = 0; n < N; ++n) sum += dy[n * out + o];
      db[o] = static_cast<float>(sum);
    }
  }
}

}  // namespace ftm
