// What this build and machine can do: SIMD level, threads, CUDA; and the CPU convolution algorithm.
import { nativeCore, ConvAlgorithm, CudaInfo } from './native';
import { expectInt, describe, fail } from './errors';

export type { ConvAlgorithm };

export interface Capabilities {
  simd: 'avx512' | 'avx2' | 'scalar';
  threads: number;
  cuda: CudaInfo;
}

export function capabilities(): Capabilities {
  const core = nativeCore();
  return { simd: core.simdLevel(), threads: core.numThreads(), cuda: core.cudaInfo() };
}

// Sets how many threads the CPU kernels use (default: all cores).
export function setNumThreads(n: number): void {
  nativeCore().setNumThreads(expectInt(n, 'threads', 1, 1024));
}

export function getNumThreads(): number {
  return nativeCore().numThreads();
}

export function memoryStats(): ReturnType<ReturnType<typeof nativeCore>['poolStats']> {
  return nativeCore().poolStats();
}

const CONV_ALGORITHMS: readonly ConvAlgorithm[] = ['auto', 'direct', 'wino2', 'wino4'];

// Chooses how the CPU runs stride-1 3x3 convolutions (forward and backward-data): 'auto' (the
// shape heuristic: Winograd F(4x4,3x3) where it pays, direct elsewhere), 'direct', or Winograd
// 'wino2' / 'wino4' wherever it applies. The default comes from FTMTLNET_CONV. The float64
// path and CUDA are unaffected.
export function setConvAlgorithm(algorithm: ConvAlgorithm): void {
  if (!CONV_ALGORITHMS.includes(algorithm)) {
    fail('range', `one of ${CONV_ALGORITHMS.map((a) => `'${a}'`).join(', ')}`, 'algorithm', describe(algorithm));
  }
  nativeCore().setConvAlgorithm(algorithm);
}

export function getConvAlgorithm(): ConvAlgorithm {
  return nativeCore().convAlgorithm();
}
