// CUDA twins of the optimizer kernels (lib/ops/cpu/optim.ts): the same positional
// arguments with device buffers in place of Float32Arrays, updating parameters in place on
// the device. sumSquares returns a number (one scalar copied back, as the CPU returns it).
import { registerKernel } from '../../registry';
import { CudaKernelNative, cudaKernels } from './native';

// Runs once, when the first op of this group loads.
function registerOptim(): void {
  const k = cudaKernels;
  registerKernel('sgdStep', 'cuda', ((...a: Parameters<CudaKernelNative['cudaSgdStep']>) => k().cudaSgdStep(...a)) as never);
  registerKernel('adamwStep', 'cuda', ((...a: Parameters<CudaKernelNative['cudaAdamwStep']>) => k().cudaAdamwStep(...a)) as never);
  registerKernel('sumSquares', 'cuda', ((x: Parameters<CudaKernelNative['cudaSumSquares']>[0]) => k().cudaSumSquares(x)) as never);
  registerKernel('scaleInPlace', 'cuda', ((...a: Parameters<CudaKernelNative['cudaScaleInPlace']>) => k().cudaScaleInPlace(...a)) as never);
}

registerOptim();
