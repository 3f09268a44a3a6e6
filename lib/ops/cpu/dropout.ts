// CPU kernel of the dropout mask, and its signature.
import type { Tensor } from '../../tensor';
import { registerKernel } from '../../registry';
import { nativeFunctions } from '../../native';
import { emptyCpu } from './broadcast';

interface DropoutNative {
  dropoutMask(mask: Float32Array, p: number, seed: number): void;
}

// (shape, p, seed) -> mask of 0 and 1/(1-p); p < 1.
export type DropoutMaskKernel = (shape: readonly number[], p: number, seed: number) => Tensor;

registerKernel('dropoutMask', 'cpu', ((shape, p, seed) => {
  const mask = emptyCpu(shape);
  nativeFunctions<DropoutNative>().dropoutMask(mask.data, p, seed);
  return mask;
}) as DropoutMaskKernel);
