// Winograd convolution F(2x2,3x3) and F(4x4,3x3) for stride-1 3x3 kernels (forward and
// backward-data) on the CPU, and the choice between it and the direct convolution:
// FTMTLNET_CONV=auto|direct|wino2|wino4 (or setConvAlgorithm) picks it per process.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "conv.h"

namespace ftm {

enum class ConvAlgorithm { Auto, Direct, Wino2, Wino4 };

// The current setting: FTMTLNET_CONV when first asked (auto when unset; another value throws
// std::invalid_argument naming it), then whatever setConvAlgorithm set.
ConvAlgorithm convAlgorithm();
void setConvAlgorithm(ConvAlgorithm algorithm);
const char* convAlgorithmName(ConvAlgorithm algorithm);
// false when name is none of auto, direct, wino2, wino4.
bool parseConvAlgorithm(const std::string& name, ConvAlgorithm* algorithm);

// Output tile m (2 or 4) of the Winograd path for this pass of s under the current setting,
// or 0 when it runs direct (stride != 1, kernel not 3x3, padding > 2, or auto judges direct
// faster for the shape).
// cachedWeights: the forward keeps its transformed weights between calls (the fused inference
// conv with the weight cache on), so smaller planes pay.
int winogradForwardTile(const ConvShape& s, bool cachedWeights = false);
int winogradBackwardDataTile(const ConvShape& s);

// Same contracts as convForwardSources / convBackwardDataSources, computed with F(m x m, 3x3).
void winogradForwardSources(int m, const ConvShape& s, const std::vector<ConvSource>& xs, const float* w,
                            const float* b, float* y, bool relu, const float* rowScale);
void winogradBackwardDataSources(int m, const ConvShape& s, const float* dy, const float* w,
                                 const std::vector<float*>& dxs, const std::vector<int64_t>& channels);

}  // namespace ftm
