// CUDA twins of the optimizer kernels (lib/ops/cpu/optim.ts): the same positional
// arguments with device buffers in place of Float32Arrays, updating parameters in place on
// the device. sumSquares returns a number (one scalar copied back, as the CPU returns it).
import { registerKernel } from '../../registry';
import type { OptimKernels } from '../../ops/cpu/optim';
import { CudaKernelNative, cudaKernels } from './native';

// Runs once, when the first op of this group loads.
function registerOptim(): void {
  const k = cudaKernels;
  // The registry hands these kernels device buffers (the signatures say Storage: either kind).
  registerKernel('sgdStep', 'cuda',
    ((...a: Parameters<CudaKernelNative['cudaSgdStep']>) => k().cudaSgdStep(...a)) as OptimKernels['sgdStep']);
  registerKernel('adamwStep', 'cuda',
    ((...a: Parameters<CudaKernelNative['cudaAdamwStep']>) => k().cudaAdamwStep(...a)) as OptimKernels['adamwStep']);
  registerKernel('sumSquares', 'cuda',
    ((x: Parameters<CudaKernelNative['cudaSumSquares']>[0]) => k().cudaSumSquares(x)) as OptimKernels['sumSquares']);
  registerKernel('scaleInPlace', 'cuda',
    ((...a: Parameters<CudaKernelNative['cudaScaleInPlace']>) => k().cudaScaleInPlace(...a)) as OptimKernels['scaleInPlace']);
}

registerOptim();
