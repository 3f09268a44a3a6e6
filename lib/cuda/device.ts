// The CUDA device from TypeScript: whether it can be used (and why not), device buffers,
// counted host<->device copies. Tensors on 'cuda' hold a DeviceBuffer (see storage.ts). The
// CUDA kernels register themselves when the ops that use them load (lib/cuda/kernels/).
import { addon, cudaAddon, nativeCore, type CudaStats, type CudaTensorNative, type DeviceBuffer } from '../native';

export type { CudaStats, DeviceBuffer };

let availability: { ok: boolean; reason: string } | null = null;

// Throws `device 'cuda' is not available: <reason>` unless a usable GPU was found (checked once).
export function requireCuda(): void {
  if (!availability) {
    const info = nativeCore().cudaInfo();
    availability = { ok: info.available, reason: info.reason ?? 'unknown reason' };
  }
  if (!availability.ok) throw new Error(`device 'cuda' is not available: ${availability.reason}`);
}

export function cudaNative(): CudaTensorNative {
  requireCuda();
  return cudaAddon();
}

export function deviceAlloc(length: number, zero: boolean): DeviceBuffer {
  return cudaNative().cudaAlloc(length, zero);
}

export function isDeviceBuffer(v: unknown): v is DeviceBuffer {
  const n = addon();
  return typeof n.cudaIsBuffer === 'function' && n.cudaIsBuffer(v);
}

// Device memory and transfer counters (all zero when CUDA is not available).
export function cudaMemoryStats(): CudaStats {
  const n = addon();
  if (typeof n.cudaStats !== 'function') {
    return {
      bytesInUse: 0,
      bytesCached: 0,
      allocations: 0,
      systemAllocations: 0,
      hostToDeviceCopies: 0,
      hostToDeviceBytes: 0,
      deviceToHostCopies: 0,
      deviceToHostBytes: 0,
    };
  }
  return n.cudaStats();
}

// Waits for all queued device work (benchmarks time with it).
export function cudaSynchronize(): void {
  cudaNative().cudaSynchronize();
}

export type MatmulPrecision = 'fp32' | 'tf32' | 'bf16';
const PRECISION_CODES: Record<MatmulPrecision, number> = { fp32: 0, tf32: 1, bf16: 2 };

// Input precision of the CUDA convolution and linear GEMMs (FP32 accumulation always):
// 'tf32' (default, tensor cores), 'bf16' (tensor cores, 8-bit mantissa) or 'fp32' (CUDA cores).
export function setCudaMatmulPrecision(p: MatmulPrecision): void {
  if (!(p in PRECISION_CODES)) {
    throw new TypeError(`Expected one of "fp32", "tf32", "bf16" for precision but received ${JSON.stringify(p)}`);
  }
  const n = addon();
  if (typeof n.cudaSetMatmulPrecision !== 'function') throw new Error('built without CUDA');
  n.cudaSetMatmulPrecision(PRECISION_CODES[p]);
}

export function getCudaMatmulPrecision(): MatmulPrecision {
  const n = addon();
  const code = typeof n.cudaMatmulPrecision === 'function' ? n.cudaMatmulPrecision() : 1;
  return (['fp32', 'tf32', 'bf16'] as const)[code];
}
