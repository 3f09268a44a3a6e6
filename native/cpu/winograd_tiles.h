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

// Floats of scratch winogradInputRow / winogradOutputRow need for tiles tile rows of `tiles` tiles.
int64_t inputRowScratch(int m, int64_t tiles);
int64_t outputRowScratch(int m, int64_t tiles);
// Floats each input line must hold (zero-extended past the image) for `tiles` tiles.
int64_t inputLineFloats(int m, int64_t tiles);

// lines[r] (r < alpha): input row r of the tile row, starting at the first tile's first column
// (inputLineFloats long) -> v[xi*vStride + t] for each of the alpha^2 points xi = a*alpha + b and
// tiles t < roundUp(tiles, kLanes) (lanes past `tiles` hold finite filler).
void inputRow(int m, const float* const* lines, int64_t tiles, float* v, int64_t vStride, float* scratch);

// mv[xi*mStride + t] (t < tiles, read in groups of kLanes) -> out[a][m*t + b] for a, b < m,
// where out[a] = lines[a] (m*roundUp(tiles, kLanes) floats each).
void outputRow(int m, const float* mv, int64_t mStride, int64_t tiles, float* const* lines, float* scratch);

// u[xi*uStride] = (G g G^T)[xi] for one 3x3 kernel g(r, s) = g[r*rs + s*ss] (in double precision).
void weightTile(int m, const float* g, int64_t rs, int64_t ss, float* u, int64_t uStride);

}  // namespace winograd
}  // namespace ftm
