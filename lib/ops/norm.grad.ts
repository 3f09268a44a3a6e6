// Gradients of batchNorm2d and the fused batchNorm2dRelu (lib/ops/norm.ts), registered by op name.
import type { Tensor } from '../tensor';
import { registerGradient, registerSavedOwned } from '../gradients';
import { getKernel, hasKernel } from '../registry';
import type { BatchNormSaved } from './cpu/norm';
import './cpu/activation';

// The input, the affine weight and bias, and the statistics the forward normalised with.
interface NormSaved { x: Tensor; weight: Tensor | null; bias: Tensor | null; stats: BatchNormSaved; training: boolean }

declare module '../gradients' {
  interface SavedByOp {
    batchNorm2d: NormSaved;
    batchNorm2dRelu: NormSaved & { y: Tensor };  // y: the output, whose sign masks dy
  }
}

// x: (N,C,H,W), dy: (N,C,H,W) -> [dx, dweight, dbias].
function normGradient(dy: Tensor, { x, weight, bias, stats, training }: NormSaved): (Tensor | null)[] {
  const g = getKernel('batchNorm2dBackward', dy.device)(x, dy, weight, stats, training, {
    x: x.requiresGrad, weight: weight?.requiresGrad ?? false, bias: bias?.requiresGrad ?? false,
  });
  return [g.dx, g.dweight, g.dbias];
}

registerGradient('batchNorm2d', normGradient);

// Through the ReLU (dy where the output is positive, 0 elsewhere), then as batchNorm2d: in
// training on the CPU in one kernel (the sign recomputed from x; the same values, one pass over
// memory less), else as the two.
registerGradient('batchNorm2dRelu', (dy: Tensor, saved: NormSaved & { y: Tensor }) => {
  const { x, weight, bias, stats, training } = saved;
  if (training && hasKernel('batchNorm2dReluBackward', dy.device)) {
    const g = getKernel('batchNorm2dReluBackward', dy.device)(x, dy, weight, bias, stats, training, {
      x: x.requiresGrad, weight: weight?.requiresGrad ?? false, bias: bias?.requiresGrad ?? false,
    });
    return [g.dx, g.dweight, g.dbias];
  }
  const masked = getKernel('reluBackward', dy.device)(saved.y, dy);
  const grads = normGradient(masked, saved);
  masked.dispose();
  return grads;
});

// The statistics the forward made for the backward: freed with the graph.
registerSavedOwned('batchNorm2d', ({ stats }) => [stats.mean, stats.invStd]);
registerSavedOwned('batchNorm2dRelu', ({ stats }) => [stats.mean, stats.invStd]);
