// FP32 FMA throughput microbenchmark: the machine's measured peak for the benchmark tables.
#pragma once
#include <cstdint>

namespace ftm {

// Runs `iterations` rounds of independent FMA chains on `threads` threads at the best SIMD
// level and returns the achieved GFLOP/s (all threads together).
double fmaPeakGflops(int threads, int64_t iterations);

}  // namespace ftm
