// The one place that loads the native addon (.node) and types its core functions.
// Kernel families type their own functions through nativeFunctions<T>().
import * as path from 'node:path';
import * as fs from 'node:fs';

export interface PoolStats {
  bytesInUse: number;
  bytesCached: number;
  allocations: number;
  systemAllocations: number;
}

export interface CudaInfo {
  built: boolean;
  available: boolean;
  devices: number;
  reason?: string;
  name?: string;
  computeCapability?: string;
}

export interface NativeCore {
  alloc(length: number, zero: boolean): Float32Array;
  release(array: Float32Array): boolean;
  poolStats(): PoolStats;
  poolTrim(): void;
  isAligned(a: Float32Array): boolean;
  simdLevel(): 'avx512' | 'avx2' | 'scalar';
  numThreads(): number;
  setNumThreads(n: number): void;
  cudaInfo(): CudaInfo;
}

let addon: Record<string, unknown> | null = null;

function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'native'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`ftmtlnet: cannot find the package root above ${__dirname}`);
    dir = up;
  }
}

function load(): Record<string, unknown> {
  if (addon) return addon;
  const override = process.env.FTMTLNET_ADDON;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = override ? require(path.resolve(override)) : require('node-gyp-build')(packageRoot());
  } catch (err) {
    throw new Error(
      `ftmtlnet: the native addon could not be loaded (${(err as Error).message}). ` +
        'Build it with `npm rebuild ftmtlnet` (needs cmake >= 3.20 and a C++17 compiler).',
    );
  }
  return addon!;
}

export function nativeCore(): NativeCore {
  return load() as unknown as NativeCore;
}

// A typed view of the addon for one kernel family (each family declares its interface).
export function nativeFunctions<T>(): T {
  return load() as unknown as T;
}
