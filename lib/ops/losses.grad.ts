// Gradient of the losses (lib/ops/losses.ts), registered by op name. Each loss kernel computes
// d loss / d input in its forward pass; backward scales it by the upstream gradient.
import type { Tensor } from '../tensor';
import { registerGradient, registerSavedOwned } from '../gradients';
import { getKernel } from '../registry';

// The loss's gradient to its logits / predictions, from the forward kernel.
interface LossSaved { grad: Tensor }

declare module '../gradients' {
  interface SavedByOp {
    softmaxCrossEntropy: LossSaved;
    bceWithLogits: LossSaved;
    diceLoss: LossSaved;
    focalLoss: LossSaved;
    l1Loss: LossSaved;
  }
}

// dy: (1) -> [grad * dy].
function lossGradient(dy: Tensor, { grad }: LossSaved): Tensor[] {
  return [getKernel('scaleByScalar', dy.device)(grad, dy)];
}
registerGradient('softmaxCrossEntropy', lossGradient);
registerGradient('bceWithLogits', lossGradient);
registerGradient('diceLoss', lossGradient);
registerGradient('focalLoss', lossGradient);
registerGradient('l1Loss', lossGradient);

// The precomputed gradient is the loss's own: freed with the graph.
for (const name of ['softmaxCrossEntropy', 'bceWithLogits', 'diceLoss', 'focalLoss', 'l1Loss'] as const) {
  registerSavedOwned(name, ({ grad }) => [grad]);
}
