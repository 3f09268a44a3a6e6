// The optimizer kernels, registered by (op, backend) like every op: fused in-place SGD and
// AdamW updates, sum of squares (for the global gradient norm) and in-place scaling.
import { nativeFunctions } from '../native';
import { getKernel, hasKernel, registerKernel } from '../ops/registry';
import type { Tensor } from '../tensor';

export interface OptimKernels {
  // p, g, momentumBuf: (n) -> p, momentumBuf updated in place
  sgdStep(p: Float32Array, g: Float32Array, momentumBuf: Float32Array | null, lr: number, momentum: number,
    dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean): void;
  // p, g, m, v: (n) -> p, m, v updated in place; step is 1-based (bias correction)
  adamwStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lr: number, beta1: number,
    beta2: number, eps: number, weightDecay: number, step: number): void;
  // x: (n) -> sum of squares (double, independent of the thread count)
  sumSquares(x: Float32Array): number;
  // x: (n) -> x * s in place
  scaleInPlace(x: Float32Array, s: number): void;
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
