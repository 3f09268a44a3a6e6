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
  return [getKernel('broadcastTo', dy.device)(reshapeView(dy, kept), xShape, scale)];
}
registerGradient('sum', reduceGradient);
registerGradient('mean', reduceGradient);
