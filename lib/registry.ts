// Kernel registry keyed by (op, backend), below tensor.ts. Ops look kernels up here instead of switching on
// the device; a CUDA backend registers its twins under the same names. Duplicates throw.
import type { Device } from './storage';

type Kernel = (...args: never[]) => unknown;
const kernels = new Map<string, Kernel>();

export function registerKernel(op: string, backend: Device, fn: Kernel): void {
  const key = `${op}@${backend}`;
  if (kernels.has(key)) throw new Error(`kernel ${op} is already registered for ${backend}`);
  kernels.set(key, fn);
}

export function getKernel<F extends Kernel>(op: string, backend: Device): F {
  const fn = kernels.get(`${op}@${backend}`);
  if (!fn) throw new Error(`no ${backend} kernel is registered for ${op}`);
  return fn as F;
}

export function hasKernel(op: string, backend: Device): boolean {
  return kernels.has(`${op}@${backend}`);
}

export function listKernels(): string[] {
  return [...kernels.keys()].sort();
}
