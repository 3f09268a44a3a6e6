// Kernel registry keyed by (op, backend), below tensor.ts. Ops look kernels up here instead of switching on
// the device; a CUDA backend registers its twins under the same names. Duplicates throw.
import type { Device } from './storage';

// Every kernel's function type, by kernel name. Each CPU binding (lib/ops/cpu/*.ts) adds its
// kernels by declaration merging (`declare module '../../registry' { interface KernelSignatures
// { ... } }`; a CUDA-only kernel, in its CUDA file). registerKernel checks the function of every
// backend, the CPU kernel and its CUDA twin alike, against this one type; getKernel returns it.
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface KernelSignatures {}

export type KernelName = keyof KernelSignatures & string;

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

export function registerKernel<K extends KernelName>(op: K, backend: Device, fn: KernelSignatures[K]): void {
  const key = `${op}@${backend}`;
  if (kernels.has(key)) throw new Error(`kernel ${op} is already registered for ${backend}`);
  kernels.set(key, fn as Kernel);
}

export function getKernel<K extends KernelName>(op: K, backend: Device): KernelSignatures[K] {
  const fn = kernels.get(`${op}@${backend}`);
  if (!fn) throw new Error(`no ${backend} kernel is registered for ${op}`);
  return (wrap ? wrap(op, backend, fn) : fn) as KernelSignatures[K];
}

export function hasKernel(op: string, backend: Device): boolean {
  return kernels.has(`${op}@${backend}`);
}

export function listKernels(): string[] {
  return [...kernels.keys()].sort();
}
