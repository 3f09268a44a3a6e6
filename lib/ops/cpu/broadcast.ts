// CPU kernels every elementwise family shares (binary arithmetic with broadcasting, scalar
// affine, sum-to-shape, broadcast-to, the tape's gradient sum), their signatures, and the helpers the CUDA twins reuse.
import { Tensor, allocCpu, shapeSize } from '../../tensor';
import { addon } from '../../native';
import { registerKernel } from '../../registry';

// The kernels' signatures by name, for registerKernel and getKernel (the CUDA twins are checked against them).
declare module '../../registry' {
  interface KernelSignatures {
    binaryBroadcast: BinaryKernel;
    affineScalar: AffineKernel;
    sumToShape: SumToShapeKernel;
    broadcastTo: BroadcastToKernel;
    gradAccumulate: GradAccumulateKernel;
  }
}

export type BinaryOpName = 'add' | 'sub' | 'mul';
export const BINARY_CODES: Record<BinaryOpName, number> = { add: 0, sub: 1, mul: 2 };

// Kernel signatures (a CUDA backend registers the same names with the same signatures).
export type BinaryKernel = (op: BinaryOpName, a: Tensor, b: Tensor, outShape: readonly number[]) => Tensor;
export type AffineKernel = (x: Tensor, s: number, c: number) => Tensor;
export type SumToShapeKernel = (g: Tensor, targetShape: readonly number[], scale: number) => Tensor;
export type BroadcastToKernel = (x: Tensor, outShape: readonly number[], scale: number) => Tensor;
// The tape's gradient sum a + b (same shapes): a new tensor, or with `inPlace` written into a's
// storage and a returned (autograd.ts decides when a's buffer is free to reuse).
export type GradAccumulateKernel = (a: Tensor, b: Tensor, inPlace: boolean) => Tensor;

// A new uninitialised CPU tensor (kernels overwrite every element).
export function emptyCpu(shape: readonly number[]): Tensor {
  return new Tensor(allocCpu(shapeSize(shape), false), shape);
}

// `shape` left-padded with 1s to `rank`.
export function padShape(shape: readonly number[], rank: number): number[] {
  return [...new Array<number>(rank - shape.length).fill(1), ...shape];
}

registerKernel('binaryBroadcast', 'cpu', ((op, a, b, outShape) => {
  const y = emptyCpu(outShape);
  const rank = outShape.length;
  addon().binaryBroadcast(
    BINARY_CODES[op], a.data, padShape(a.shape, rank), b.data, padShape(b.shape, rank), y.data, [...outShape]);
  return y;
}));

registerKernel('affineScalar', 'cpu', ((x, s, c) => {
  const y = emptyCpu(x.shape);
  addon().affineScalar(x.data, y.data, s, c);
  return y;
}));

registerKernel('sumToShape', 'cpu', ((g, targetShape, scale) => {
  const y = emptyCpu(targetShape);
  addon().sumToShape(g.data, [...g.shape], y.data, padShape(targetShape, g.shape.length), scale);
  return y;
}));

registerKernel('broadcastTo', 'cpu', ((x, outShape, scale) => {
  const y = emptyCpu(outShape);
  addon().broadcastTo(x.data, padShape(x.shape, outShape.length), y.data, [...outShape], scale);
  return y;
}));

registerKernel('gradAccumulate', 'cpu', ((a, b, inPlace) => {
  const y = inPlace ? a : emptyCpu(a.shape);
  addon().gradAccumulate(a.data, b.data, y.data);
  return y;
}));
