// Gradient of featureTransfer (lib/ops/feature-transfer.ts), registered by op name: one
// backward kernel gives each source's dx, dweight and dbias, each only where needed.
import type { Tensor } from '../tensor';
import { registerGradient } from '../gradients';
import { getKernel } from '../registry';
import type { ConvGeometry } from './cpu/conv-geometry';

declare module '../gradients' {
  interface SavedByOp {
    featureTransfer: { xs: readonly Tensor[]; weight: Tensor; bias: Tensor | null; geometry: ConvGeometry };
  }
}

// xs[i]: (N,C_i,H,W), weight: (K, sum C_i, R, S), dy: (N,K,P,Q) -> [...dxs, dweight, dbias].
registerGradient('featureTransfer', (dy: Tensor, { xs, weight, bias, geometry }) => {
  const need = { xs: xs.map((x) => x.requiresGrad), weight: weight.requiresGrad, bias: bias !== null && bias.requiresGrad };
  const { dxs, dw, db } = getKernel('featureTransferBackward', weight.device)(xs, weight, dy, geometry, need);
  return [...dxs, dw, db];
});
