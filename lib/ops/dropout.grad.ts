// Gradient of dropout (lib/ops/dropout.ts), registered by op name.
import type { Tensor } from '../tensor';
import { registerGradient, registerSavedOwned } from '../gradients';
import { binaryKernel } from './broadcast';

declare module '../gradients' {
  interface SavedByOp {
    dropout: { mask: Tensor };  // 0 where dropped, 1/(1-p) where kept
  }
}

// dx = dy * mask.
registerGradient('dropout', (dy: Tensor, { mask }) => [binaryKernel(dy.device)('mul', dy, mask, dy.shape)]);

// The mask was made for the backward: freed with the graph.
registerSavedOwned('dropout', ({ mask }) => [mask]);
