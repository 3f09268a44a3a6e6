// Tensor storage on either device: a Float32Array (cpu) or a DeviceBuffer (cuda), and the
// explicit copies between them (every host<->device copy is counted natively).
import { allocCpu } from './tensor';
import { DeviceBuffer, cudaNative, deviceAlloc } from './cuda/device';

export type Storage = Float32Array | DeviceBuffer;

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

// The values on the host (a copy).
export function hostCopy(s: Storage): Float32Array {
  const out = new Float32Array(storageLength(s));
  copyStorage(out, s);
  return out;
}
