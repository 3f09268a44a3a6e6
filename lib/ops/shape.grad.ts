// Gradients of reshape and concat (lib/ops/shape.ts), registered by op name.
import type { Tensor } from '../tensor';
import { registerGradient } from '../gradients';
import { getKernel } from '../registry';

declare module '../gradients' {
  interface SavedByOp {
    reshape: { xShape: readonly number[] };
    concat: { sizes: readonly number[]; dim: number };  // each input's size along dim
  }
}

// dx = dy viewed with x's shape.
registerGradient('reshape', (dy: Tensor, { xShape }) => [getKernel('reshapeForward', dy.device)(dy, xShape)]);

// dxs = dy split along dim.
registerGradient('concat', (dy: Tensor, { sizes, dim }) => getKernel('concatBackward', dy.device)(dy, sizes, dim));
