// Gradient of linear (lib/ops/linear.ts), registered by op name.
import type { Tensor } from '../tensor';
import { registerGradient } from '../gradients';
import { getKernel } from '../registry';

declare module '../gradients' {
  interface SavedByOp {
    linear: { x: Tensor; weight: Tensor; bias: Tensor | null };
  }
}

// x: (N,in), weight: (out,in), dy: (N,out) -> [dx = dy weight, dweight = dy^T x, dbias = sum_n dy].
registerGradient('linear', (dy: Tensor, { x, weight, bias }) => {
  const need = { x: x.requiresGrad, weight: weight.requiresGrad, bias: bias !== null && bias.requiresGrad };
  const { dx, dw, db } = getKernel('linearBackward', x.device)(x, weight, dy, need);
  return [dx, dw, db];
});
