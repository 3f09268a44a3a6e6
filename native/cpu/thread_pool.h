// Persistent worker threads for the CPU kernels: parallelFor splits a range over them.
#pragma once
#include <cstddef>
#include <functional>

namespace ftm {

// Number of threads kernels use (the caller counts as one). Default: hardware cores.
int numThreads();
// Resizes the pool; n >= 1.
void setNumThreads(int n);

// Runs fn(begin, end, threadIndex) over [0, n) split into contiguous chunks, one chunk per
// thread, and returns when all are done. Exceptions in workers are rethrown here.
// If another parallelFor is already running (from another JS thread), runs inline.
void parallelFor(size_t n, const std::function<void(size_t, size_t, int)>& fn);

// Like parallelFor, but hands out chunks of `grain` items dynamically (for uneven work).
void parallelForDynamic(size_t n, size_t grain, const std::function<void(size_t, size_t, int)>& fn);

}  // namespace ftm
