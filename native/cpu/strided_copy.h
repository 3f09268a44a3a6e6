// dst[u] = src[u * stride] for u < count: the phase split of strided convolutions.
#pragma once
#include <cstdint>

namespace ftm {

// Reads only src[0], src[stride], ..., src[(count-1)*stride].
void copyStrided(float* dst, const float* src, int64_t count, int64_t stride);

}  // namespace ftm
