// FMA peak: 12 independent accumulator chains per thread (enough to hide FMA latency on
// current x86 cores), at the widest vector width this CPU runs.
#include "fma_peak.h"

#include <chrono>
#include <thread>
#include <vector>

#include "cpu_features.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ftm {
namespace {

#if defined(__x86_64__)
__attribute__((target("avx512f,fma"))) float chainsAvx512(int64_t iterations) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(0.001f * i);
  const __m512 a = _mm512_set1_ps(0.999999f);
  const __m512 b = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, acc[i]);
  return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) float chainsAvx2(int64_t iterations) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(0.001f * i);
  const __m256 a = _mm256_set1_ps(0.999999f);
  const __m256 b = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  return out[0] + out[7];
}
#endif

float chainsScalar(int64_t iterations) {
  float acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = 0.001f * i;
  for (int64_t it = 0; it < iterations; ++it)
    for (int i = 0; i < 12; ++i) acc[i] = acc[i] * 0.999999f + 1e-7f;
  float s = 0;
  for (int i = 0; i < 12; ++i) s += acc[i];
  return s;
}

// Flops of one iteration (12 FMAs of `lanes` floats, 2 flops each).
int lanesFor(SimdLevel level) {
  return level == SimdLevel::Avx512 ? 16 : level == SimdLevel::Avx2 ? 8 : 1;
}

float runChains(SimdLevel level, int64_t iterations) {
#if defined(__x86_64__)
  if (level == SimdLevel::Avx512) return chainsAvx512(iterations);
  if (level == SimdLevel::Avx2) return chainsAvx2(iterations);
#endif
  return chainsScalar(iterations);
}

}  // namespace

double fmaPeakGflops(int threads, int64_t iterations) {
  const SimdLevel level = simdLevel();
  if (threads < 1) threads = 1;
  std::vector<float> sink(static_cast<size_t>(threads));
  // Own threads (not the kernel pool) so every chain runs concurrently for the whole window.
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t)
    workers.emplace_back([&, t] { sink[t] = runChains(level, iterations); });
  sink[0] = runChains(level, iterations);
  for (auto& w : workers) w.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  volatile float keep = 0;
  for (float s : sink) keep = keep + s;
  (void)keep;
  const double flops = 2.0 * 12 * lanesFor(level) * static_cast<double>(iterations) * threads;
  return flops / seconds / 1e9;
}

}  // namespace ftm
