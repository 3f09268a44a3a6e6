// CPU kernels of the optimizers (native/cpu/optim.cc): fused in-place SGD and AdamW updates,
// sum of squares (for the global gradient norm) and in-place scaling, and their signatures.
// Arguments are the storage of the tensors' device (Float32Array here, DeviceBuffer in the
// CUDA twins of lib/cuda/kernels/optim.ts).
import { addon, type OptimFunctions, type OptimNative } from '../../native';
import { registerKernel } from '../../registry';
import type { Storage } from '../../storage';

// The kernels' signatures by name, for registerKernel and getKernel (the CUDA twins are checked against them).
declare module '../../registry' {
  interface KernelSignatures {
    sgdStep: OptimKernels['sgdStep'];
    adamwStep: OptimKernels['adamwStep'];
    sumSquares: OptimKernels['sumSquares'];
    scaleInPlace: OptimKernels['scaleInPlace'];
  }
}

// The kernels' signatures on either device (Storage: a Float32Array or a DeviceBuffer).
export type OptimKernels = OptimFunctions<Storage>;

// The CPU registry hands these kernels CPU storage: Float32Arrays (the signatures say Storage).
const native = addon;
registerKernel('sgdStep', 'cpu', ((...a: Parameters<OptimNative['sgdStep']>) => native().sgdStep(...a)) as OptimKernels['sgdStep']);
registerKernel('adamwStep', 'cpu', ((...a: Parameters<OptimNative['adamwStep']>) => native().adamwStep(...a)) as OptimKernels['adamwStep']);
registerKernel('sumSquares', 'cpu', ((x: Float32Array) => native().sumSquares(x)) as OptimKernels['sumSquares']);
registerKernel('scaleInPlace', 'cpu',
  ((...a: Parameters<OptimNative['scaleInPlace']>) => native().scaleInPlace(...a)) as OptimKernels['scaleInPlace']);
