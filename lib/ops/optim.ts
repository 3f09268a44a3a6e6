// The optimizer kernels by device, looked up in the registry like every op's (CPU binding:
// cpu/optim.ts; CUDA twin: cuda/kernels/optim.ts). lib/train/optimizers.ts and clip.ts use them.
import { getKernel } from '../registry';
import type { Tensor } from '../tensor';
import type { OptimKernels } from './cpu/optim';
import './cpu/optim';
import '../cuda/kernels/optim';

export type { OptimKernels };

// The kernels for the device of `t` (looked up on each call, not cached, so a profiler's
// kernel wrap sees the optimizer's kernels too; a lookup is one Map.get).
export function optimKernels(t: Tensor): OptimKernels {
  return {
    sgdStep: getKernel('sgdStep', t.device),
    adamwStep: getKernel('adamwStep', t.device),
    sumSquares: getKernel('sumSquares', t.device),
    scaleInPlace: getKernel('scaleInPlace', t.device),
  };
}
