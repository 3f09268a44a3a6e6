// Gradients of sum and mean (lib/ops/reduce.ts), registered by op name: dy broadcast back over
// the reduced dims (times 1/count for mean).
import type { Tensor } from '../tensor';
import { registerGradient } from '../gradients';
import { getKernel } from '../registry';
import { reshapeView } from './shape';

// The input's shape, its shape with the reduced dims set to 1, and the factor of the forward.
interface ReduceSaved { xShape: readonly number[]; kept: readonly number[]; scale: number }

declare module '../gradients' {
  interface SavedByOp {
    sum: ReduceSaved;
    mean: ReduceSaved;
  }
}

function reduceGradient(dy: Tensor, { xShape, kept, scale }: ReduceSaved): Tensor[] {
  const view = reshapeView(dy, kept);
  const dx = getKernel('broadcastTo', dy.device)(view, xShape, scale);
  if (view !== dy) view.dispose();  // drop the view's hold on dy's storage (the tape frees dy)
  return [dx];
}
registerGradient('sum', reduceGradient);
registerGradient('mean', reduceGradient);
