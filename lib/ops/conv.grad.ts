// Gradient of conv2d (lib/ops/conv.ts), registered by op name: dx by the backward-data
// kernel, dweight and dbias by the backward-weight kernel, each only where an input needs it.
import type { Tensor } from '../tensor';
import { registerGradient } from '../gradients';
import { getKernel } from '../registry';
import type { ConvGeometry } from './cpu/conv-geometry';

declare module '../gradients' {
  interface SavedByOp {
    conv2d: { x: Tensor; weight: Tensor; bias: Tensor | null; geometry: ConvGeometry };
  }
}

// x: (N,C,H,W), weight: (K,C,R,S), dy: (N,K,P,Q) -> [dx, dweight, dbias].
registerGradient('conv2d', (dy: Tensor, { x, weight, bias, geometry: g }) => {
  const dx = x.requiresGrad ? getKernel('conv2dBackwardData', x.device)(dy, weight, x.shape, g) : null;
  const need = { weight: weight.requiresGrad, bias: bias !== null && bias.requiresGrad };
  const { dw, db } = need.weight || need.bias
    ? getKernel('conv2dBackwardWeight', x.device)(x, dy, weight.shape, g, need)
    : { dw: null, db: null };
  return [dx, dw, db];
});
