// The optimizer kernels by device, looked up in the registry like every op's (CPU binding:
// cpu/optim.ts; CUDA twin: cuda/kernels/optim.ts). lib/train/optimizers.ts and clip.ts use them.
import { getKernel } from '../registry';
import type { Tensor } from '../tensor';
import type { OptimKernels } from './cpu/optim';
import './cpu/optim';
import '../cuda/kernels/optim';

export type { OptimKernels };

const byDevice = new Map<string, OptimKernels>();

// The kernels for the device of `t`.
export function optimKernels(t: Tensor): OptimKernels {
  let k = byDevice.get(t.device);
  if (k) return k;
  k = {
    sgdStep: getKernel('sgdStep', t.device),
    adamwStep: getKernel('adamwStep', t.device),
    sumSquares: getKernel('sumSquares', t.device),
    scaleInPlace: getKernel('scaleInPlace', t.device),
  };
  byDevice.set(t.device, k);
  return k;
}
