// CPU kernels of reshape, concat and split, and their signatures.
import { Tensor, shapeSize } from '../../tensor';
import { registerKernel } from '../../registry';
import { addon } from '../../native';
import { emptyCpu } from './broadcast';

// The kernels' signatures by name, for registerKernel and getKernel (the CUDA twins are checked against them).
declare module '../../registry' {
  interface KernelSignatures {
    reshapeForward: ReshapeKernel;
    concatForward: ConcatKernel;
    concatBackward: SplitKernel;
  }
}

// (x, shape) -> a tensor of `shape` over x's memory.
export type ReshapeKernel = (x: Tensor, shape: readonly number[]) => Tensor;
// (xs, dim) -> their concatenation along dim.
export type ConcatKernel = (xs: readonly Tensor[], dim: number) => Tensor;
// (g, sizes along dim, dim) -> g cut into pieces of those sizes.
export type SplitKernel = (g: Tensor, sizes: readonly number[], dim: number) => Tensor[];

registerKernel('reshapeForward', 'cpu', ((x, shape) => new Tensor(x.data, shape, false, x.device)));

// (outer, D_k, inner) blocks: rows = outer, each source row D_k*inner long.
export function blockGeometry(shape: readonly number[], dim: number): { outer: number; inner: number } {
  return { outer: shapeSize(shape.slice(0, dim)), inner: shapeSize(shape.slice(dim + 1)) };
}

registerKernel('concatForward', 'cpu', ((xs, dim) => {
  const total = xs.reduce((s, x) => s + x.shape[dim], 0);
  const shape = xs[0].shape.map((s, i) => (i === dim ? total : s));
  const y = emptyCpu(shape);
  const { outer, inner } = blockGeometry(shape, dim);
  let offset = 0;
  for (const x of xs) {
    const row = x.shape[dim] * inner;
    addon().copyRows(x.data, 0, row, y.data, offset, total * inner, outer, row);
    offset += row;
  }
  return y;
}));

registerKernel('concatBackward', 'cpu', ((g, sizes, dim) => {
  const total = g.shape[dim];
  const { outer, inner } = blockGeometry(g.shape, dim);
  let offset = 0;
  return sizes.map((size) => {
    const piece = emptyCpu(g.shape.map((s, i) => (i === dim ? size : s)));
    const row = size * inner;
    addon().copyRows(g.data, offset, total * inner, piece.data, 0, row, outer, row);
    offset += row;
    return piece;
  });
}));
