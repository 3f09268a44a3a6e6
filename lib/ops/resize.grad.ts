// Gradient of upsample2d (lib/ops/resize.ts), registered by op name.
import type { Tensor } from '../tensor';
import { registerGradient } from '../gradients';
import { getKernel } from '../registry';
import type { UpsampleMode } from './cpu/resize';

declare module '../gradients' {
  interface SavedByOp {
    upsample2d: { xShape: readonly number[]; scale: [number, number]; mode: UpsampleMode };
  }
}

// dx: each output pixel's dy summed back into the input pixels it was interpolated from.
registerGradient('upsample2d', (dy: Tensor, { xShape, scale, mode }) =>
  [getKernel('upsample2dBackward', dy.device)(dy, xShape, scale, mode)]);
