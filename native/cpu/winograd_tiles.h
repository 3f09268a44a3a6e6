// Winograd F(m x m, 3 x 3) transforms (m = 2 or 4, alpha = m + 2 points per side), one tile row
// at a time and vectorised across tiles: the input transform V = B^T d B, the output transform
// Y = A^T M A and the weight transform U = G g G^T. F(4,3) uses the points 0, 1, -1, 2, -2, inf.
// Internal to the Winograd convolution (winograd_conv.cc).
#pragma once
#include <cstdint>

namespace ftm {
namespace winograd {

constexpr int kLanes = 16;  // tiles per vector group

inline int alphaOf(int m) { return m + 2; }

// Floats of scratch inputRow needs for a tile row of `tiles` tiles.
int64_t inputRowScratch(int m, int64_t tiles);

// rows[r] (r < alpha): input row r of a tile row (W floats), null where it lies in the zero
// padding; tile u's columns start at x0 + m*u (x0 may be negative: padding) ->
// v[xi*vStride + u] for each of the alpha^2 points xi = a*alpha + b and u < roundUp(tiles,
// kLanes) (lanes past `tiles` hold finite filler).
void inputRow(int m, const float* const* rows, int64_t W, int64_t x0, int64_t tiles, float* v, int64_t vStride,
              float* scratch);

// mv[xi*mStride + u] (u < tiles, read in groups of kLanes) -> out[a][m*u + b] = epilogue of
// output pixel (a, b) of tile u, for m*u + b < valid; out[a] null: row a is skipped. The
// epilogue is max(0, v*scale + bias) when relu, else v*scale + bias.
void outputRow(int m, const float* mv, int64_t mStride, int64_t tiles, float* const* out, int64_t valid, float scale,
               float bias, bool relu);

// g: 9 x count taps (g[(r*3 + s)*count + i], kernel i) -> u[xi*uStride + i] = (G g_i G^T)[xi].
void weightTiles(int m, const float* g, int64_t count, float* u, int64_t uStride);

}  // namespace winograd
}  // namespace ftm
