// CPU kernels of the optimizers (native/cpu/optim.cc): fused in-place SGD and AdamW updates,
// sum of squares (for the global gradient norm) and in-place scaling, and their signatures.
// Arguments are the storage of the tensors' device (Float32Array here, DeviceBuffer in the
// CUDA twins of lib/cuda/kernels/optim.ts).
import { addon, type OptimNative } from '../../native';
import { registerKernel } from '../../registry';
import type { Storage } from '../../storage';

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

const native = addon;
// The CPU registry hands these kernels CPU storage: Float32Arrays.
type Cpu<F extends (...a: never[]) => unknown> = (...a: Parameters<F>) => ReturnType<F>;
registerKernel('sgdStep', 'cpu', ((...a) => native().sgdStep(...a)) as Cpu<OptimNative['sgdStep']>);
registerKernel('adamwStep', 'cpu', ((...a) => native().adamwStep(...a)) as Cpu<OptimNative['adamwStep']>);
registerKernel('sumSquares', 'cpu', ((x) => native().sumSquares(x)) as Cpu<OptimNative['sumSquares']>);
registerKernel('scaleInPlace', 'cpu', ((...a) => native().scaleInPlace(...a)) as Cpu<OptimNative['scaleInPlace']>);
