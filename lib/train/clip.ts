// Gradient clipping by the global L2 norm over all parameters (torch.nn.utils.clip_grad_norm_),
// and finiteness checks the NaN guard uses.
import type { Tensor } from '../tensor';
import { expectNumber } from '../errors';
import { optimKernels } from '../ops/optim';

// sqrt(sum of squares) over every tensor's values; NaN/Inf anywhere make it non-finite.
export function globalNorm(tensors: readonly (Tensor | null)[]): number {
  let sum = 0;
  for (const t of tensors) if (t) sum += optimKernels(t).sumSquares(t.storage);
  return Math.sqrt(sum);
}

export interface ClipResult {
  norm: number;       // the norm before clipping
  clipped: boolean;
  finite: boolean;    // false: some gradient is NaN/Inf (nothing was scaled)
}

// Scales every parameter's gradient by maxNorm / norm when norm > maxNorm.
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): ClipResult {
  expectNumber(maxNorm, 'maxNorm', 0);
  const grads = params.map((p) => p.grad);
  const norm = globalNorm(grads);
  if (!Number.isFinite(norm)) return { norm, clipped: false, finite: false };
  if (norm <= maxNorm || maxNorm === Infinity) return { norm, clipped: false, finite: true };
  const scale = maxNorm / (norm + 1e-6);
  for (const g of grads) if (g) optimKernels(g).scaleInPlace(g.storage, scale);
  return { norm, clipped: true, finite: true };
}
