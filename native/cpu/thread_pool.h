// Persistent worker threads for the CPU kernels: parallelFor splits a range over them.
#pragma once
#include <cstddef>
#include <functional>

namespace ftm {

// Number of threads kernels use (the caller counts as one). Default: hardware cores.
int numThreads();
// Resizes the pool; n >= 1.
void setNumThreads(int n);

// Runs fn(begin, end, threadIndex) over [0, n) split into up to 4 contiguous chunks per thread,
// each thread claiming from its own contiguous share of the chunks first (the same part of the
// range in consecutive loops: cache locality across layers), then from the others' (a thread
// may run several; threadIndex identifies the thread, not the chunk), and returns when all are
// done. Exceptions are rethrown here.
// If another parallelFor is already running (from another JS thread), runs inline.
void parallelFor(size_t n, const std::function<void(size_t, size_t, int)>& fn);

// Like parallelFor, but hands out chunks of `grain` items dynamically (for uneven work).
void parallelForDynamic(size_t n, size_t grain, const std::function<void(size_t, size_t, int)>& fn);

}  // namespace ftm
