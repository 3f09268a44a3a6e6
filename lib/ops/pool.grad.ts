// Gradients of maxPool2d, avgPool2d and globalAvgPool2d (lib/ops/pool.ts), registered by op name.
import type { Tensor } from '../tensor';
import { registerGradient } from '../gradients';
import { getKernel } from '../registry';
import type { Pool2dGeometry } from './cpu/pool';

interface PoolSaved { x: Tensor; geometry: Pool2dGeometry }

declare module '../gradients' {
  interface SavedByOp {
    maxPool2d: PoolSaved;
    avgPool2d: PoolSaved;
    globalAvgPool2d: { xShape: readonly number[]; scale: number };  // scale = 1 / (H * W)
  }
}

// dx: dy to each window's first maximum.
registerGradient('maxPool2d', (dy: Tensor, { x, geometry }: PoolSaved) =>
  [getKernel('maxPool2dBackward', dy.device)(x, dy, geometry)]);

// dx: dy spread evenly over each window.
registerGradient('avgPool2d', (dy: Tensor, { x, geometry }: PoolSaved) =>
  [getKernel('avgPool2dBackward', dy.device)(x, dy, geometry)]);

// dx = dy / (H * W) broadcast over each plane.
registerGradient('globalAvgPool2d', (dy: Tensor, { xShape, scale }) =>
  [getKernel('broadcastTo', dy.device)(dy, xShape, scale)]);
