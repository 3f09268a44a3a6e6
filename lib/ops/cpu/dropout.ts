// CPU kernel of the dropout mask, and its signature.
import type { Tensor } from '../../tensor';
import { registerKernel } from '../../registry';
import { addon } from '../../native';
import { emptyCpu } from './broadcast';

// The kernels' signatures by name, for registerKernel and getKernel (the CUDA twins are checked against them).
declare module '../../registry' {
  interface KernelSignatures {
    dropoutMask: DropoutMaskKernel;
  }
}

// (shape, p, seed) -> mask of 0 and 1/(1-p); p < 1.
export type DropoutMaskKernel = (shape: readonly number[], p: number, seed: number) => Tensor;

registerKernel('dropoutMask', 'cpu', ((shape, p, seed) => {
  const mask = emptyCpu(shape);
  addon().dropoutMask(mask.data, p, seed);
  return mask;
}));
