// Broadcasting for the elementwise ops: numpy/torch shape rules, and the lookups of the
// kernels every op family shares (CPU binding: cpu/broadcast.ts; CUDA twin: cuda/kernels/elementwise.ts).
import type { Tensor } from '../tensor';
import { getKernel } from '../registry';
import { padShape, type AffineKernel, type BinaryKernel } from './cpu/broadcast';
import '../cuda/kernels/elementwise';

export { emptyCpu, padShape } from './cpu/broadcast';
export type { BinaryOpName, BinaryKernel, AffineKernel, SumToShapeKernel, BroadcastToKernel } from './cpu/broadcast';

// The broadcast shape of a and b, or null when they do not broadcast.
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const pa = padShape(a, rank);
  const pb = padShape(b, rank);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    if (pa[i] !== pb[i] && pa[i] !== 1 && pb[i] !== 1) return null;
    out.push(Math.max(pa[i], pb[i]));
  }
  return out;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

// The gradient of a broadcast input: g summed over the dims where `shape` was broadcast.
export function reduceToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  return getKernel('sumToShape', g.device)(g, shape, 1);
}

export function binaryKernel(device: Tensor['device']): BinaryKernel {
  return getKernel('binaryBroadcast', device);
}

export function affineKernel(device: Tensor['device']): AffineKernel {
  return getKernel('affineScalar', device);
}
