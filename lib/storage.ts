// The storage layer, below tensor.ts: a tensor's values live in a Float32Array (cpu: a 64-byte
// aligned block of the native caching pool) or a DeviceBuffer (cuda). Allocation, release and
// every copy between the two (counted natively) go through here, so nothing above the ops
// touches the addon for memory.
import { nativeCore } from './native';
import { DeviceBuffer, cudaNative, deviceAlloc, isDeviceBuffer, requireCuda } from './cuda/device';
import { describe, fail } from './errors';

export type Device = 'cpu' | 'cuda';
export type Storage = Float32Array | DeviceBuffer;
export type { DeviceBuffer };
export { isDeviceBuffer };

// A valid device name; 'cuda' throws `device 'cuda' is not available: <reason>` without a GPU.
export function checkDevice(device: unknown): Device {
  if (device === undefined || device === 'cpu') return 'cpu';
  if (device === 'cuda') {
    requireCuda();
    return 'cuda';
  }
  return fail('type', `"cpu" or "cuda"`, 'device', describe(device));
}

// Allocates an uninitialised (zero = false) or zeroed native CPU buffer.
export function allocCpu(length: number, zero = true): Float32Array {
  return nativeCore().alloc(length, zero);
}

// Hands a pool block back (buffers the pool did not allocate are left alone).
export function releaseCpu(a: Float32Array): void {
  nativeCore().release(a);
}

// Allocates an uninitialised (zero = false) or zeroed buffer on `device`.
export function allocOn(device: Device, length: number, zero = true): Storage {
  return device === 'cuda' ? deviceAlloc(length, zero) : allocCpu(length, zero);
}

export function storageLength(s: Storage): number {
  return s instanceof Float32Array ? s.length : cudaNative().cudaLength(s);
}

// New storage of the same kind and length (zeroed unless zero = false).
export function allocLike(s: Storage, zero = true): Storage {
  return s instanceof Float32Array ? allocCpu(s.length, zero) : deviceAlloc(storageLength(s), zero);
}

// dst <- src (same lengths), whatever devices they are on.
export function copyStorage(dst: Storage, src: Storage): void {
  if (dst instanceof Float32Array && src instanceof Float32Array) dst.set(src);
  else if (dst instanceof Float32Array) cudaNative().cudaDownload(dst, src as DeviceBuffer);
  else if (src instanceof Float32Array) cudaNative().cudaUpload(dst, src);
  else cudaNative().cudaCopy(dst, src);
}

// Every element of `dst` set to `value`.
export function fillStorage(dst: Storage, value: number): void {
  if (dst instanceof Float32Array) dst.fill(value);
  else cudaNative().cudaFill(dst, value);
}

// The values on the host (a copy).
export function hostCopy(s: Storage): Float32Array {
  const out = new Float32Array(storageLength(s));
  copyStorage(out, s);
  return out;
}
