// The optimizer kernels, registered by (op, backend) like every op (arguments are the storage
// of the tensors' device: Float32Array on the CPU, DeviceBuffer on CUDA): fused in-place SGD and
// AdamW updates, sum of squares (for the global gradient norm) and in-place scaling.
import { nativeFunctions } from '../native';
import { getKernel, hasKernel, registerKernel } from '../ops/registry';
import type { Tensor } from '../tensor';
import type { Storage } from '../storage';

export interface OptimKernels {
  // p, g, momentumBuf: (n) -> p, momentumBuf updated in place
  sgdStep(p: Storage, g: Storage, momentumBuf: Storage | null, lr: number, momentum: number,
    dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean): void;
  // p, g, m, v: (n) -> p, m, v updated in place; step is 1-based (bias correction)
  adamwStep(p: Storage, g: Storage, m: Storage, v: Storage, lr: number, beta1: number,
    beta2: number, eps: number, weightDecay: number, step: number): void;
  // x: (n) -> sum of squares (double, independent of the thread count)
  sumSquares(x: Storage): number;
  // x: (n) -> x * s in place
  scaleInPlace(x: Storage, s: number): void;
}

const names = ['sgdStep', 'adamwStep', 'sumSquares', 'scaleInPlace'] as const;

function ensureRegistered(): void {
  if (hasKernel('sumSquares', 'cpu')) return;
  const native = nativeFunctions<OptimKernels>();
  for (const name of names) registerKernel(name, 'cpu', native[name].bind(native) as never);
}

const byDevice = new Map<string, OptimKernels>();

// The kernels for the device of `t`.
export function optimKernels(t: Tensor): OptimKernels {
  let k = byDevice.get(t.device);
  if (k) return k;
  ensureRegistered();
  k = {
    sgdStep: getKernel('sgdStep', t.device),
    adamwStep: getKernel('adamwStep', t.device),
    sumSquares: getKernel('sumSquares', t.device),
    scaleInPlace: getKernel('scaleInPlace', t.device),
  };
  byDevice.set(t.device, k);
  return k;
}
