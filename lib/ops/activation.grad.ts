// Gradients of relu and sigmoid (lib/ops/activation.ts), registered by op name.
import type { Tensor } from '../tensor';
import { registerGradient } from '../gradients';
import { getKernel } from '../registry';

declare module '../gradients' {
  interface SavedByOp {
    relu: { x: Tensor };
    sigmoid: { y: Tensor };  // the output
  }
}

// dx = dy where x > 0, else 0.
registerGradient('relu', (dy: Tensor, { x }) => [getKernel('reluBackward', dy.device)(x, dy)]);

// dx = dy * y * (1 - y).
registerGradient('sigmoid', (dy: Tensor, { y }) => [getKernel('sigmoidBackward', dy.device)(y, dy)]);
