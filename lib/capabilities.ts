// What this build and machine can do: SIMD level, threads, CUDA.
import { nativeCore, CudaInfo } from './native';
import { expectInt } from './errors';

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
