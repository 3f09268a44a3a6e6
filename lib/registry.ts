// Kernel registry keyed by (op, backend), below tensor.ts. Ops look kernels up here instead of switching on
// the device; a CUDA backend registers its twins under the same names. Duplicates throw.
import type { Device } from './storage';

type Kernel = (...args: never[]) => unknown;
const kernels = new Map<string, Kernel>();

// The profiler's slot (lib/profile): while set, getKernel hands out wrap(op, backend, fn) instead
// of fn, so every kernel call made through a lookup is timed. Unset, a lookup costs one null check.
export type KernelWrap = (op: string, backend: Device, fn: Kernel) => Kernel;
let wrap: KernelWrap | null = null;

export function setKernelWrap(w: KernelWrap | null): void {
  if (w && wrap) throw new Error('a kernel wrap (profiler) is already active');
  wrap = w;
}

export function registerKernel(op: string, backend: Device, fn: Kernel): void {
  const key = `${op}@${backend}`;
  if (kernels.has(key)) throw new Error(`kernel ${op} is already registered for ${backend}`);
  kernels.set(key, fn);
}

export function getKernel<F extends Kernel>(op: string, backend: Device): F {
  const fn = kernels.get(`${op}@${backend}`);
  if (!fn) throw new Error(`no ${backend} kernel is registered for ${op}`);
  return (wrap ? wrap(op, backend, fn) : fn) as F;
}

export function hasKernel(op: string, backend: Device): boolean {
  return kernels.has(`${op}@${backend}`);
}

export function listKernels(): string[] {
  return [...kernels.keys()].sort();
}
