// convScaleRelu: relu(conv(concat(xs), weight * scale[k]) + shift[k]) in one pass over the
// output, the inference form of conv -> BatchNorm (eval) -> ReLU once the normalisation is
// folded into `scale` and `shift` (lib/nn/fold-bn.ts). CPU only, no tape, no trace: callers
// use it only where nothing can tell it from the three plain ops.
import type { Tensor } from '../tensor';
import { getKernel } from '../registry';
import { resolveConvOptions } from './conv-options';
import './cpu/conv';
import './cpu/broadcast'; // the tape's gradAccumulate, which sums this op's gradients

export function convScaleRelu(xs: readonly Tensor[], weight: Tensor, shift: Float32Array, scale: Float32Array,
  stride: number, padding: number): Tensor {
  if (weight.device !== 'cpu' || xs.some((x) => x.device !== 'cpu')) {
    throw new Error('internal: convScaleRelu is CPU only (the caller checks canFuseInference first)');
  }
  return getKernel('convScaleReluForward', 'cpu')(xs, weight, shift, resolveConvOptions({ stride, padding }), scale);
}
