// Broadcasting for the elementwise ops: numpy/torch shape rules, and the CPU kernels that
// every op family shares (binary arithmetic, scalar affine, sum-to-shape, broadcast-to).
import { Tensor, allocCpu, shapeSize } from '../tensor';
import { nativeFunctions } from '../native';
import { registerKernel, getKernel } from './registry';

interface BroadcastNative {
  binaryBroadcast(op: number, a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], y: Float32Array, outShape: number[]): void;
  affineScalar(x: Float32Array, y: Float32Array, s: number, c: number): void;
  sumToShape(g: Float32Array, gShape: number[], y: Float32Array, targetShape: number[], scale: number): void;
  broadcastTo(x: Float32Array, xShape: number[], y: Float32Array, outShape: number[], scale: number): void;
}

export type BinaryOpName = 'add' | 'sub' | 'mul';
const BINARY_CODES: Record<BinaryOpName, number> = { add: 0, sub: 1, mul: 2 };

// Kernel signatures (a CUDA backend registers the same names with the same signatures).
export type BinaryKernel = (op: BinaryOpName, a: Tensor, b: Tensor, outShape: readonly number[]) => Tensor;
export type AffineKernel = (x: Tensor, s: number, c: number) => Tensor;
export type SumToShapeKernel = (g: Tensor, targetShape: readonly number[], scale: number) => Tensor;
export type BroadcastToKernel = (x: Tensor, outShape: readonly number[], scale: number) => Tensor;

// A new uninitialised CPU tensor (kernels overwrite every element).
export function emptyCpu(shape: readonly number[]): Tensor {
  return new Tensor(allocCpu(shapeSize(shape), false), shape);
}

// `shape` left-padded with 1s to `rank`.
export function padShape(shape: readonly number[], rank: number): number[] {
  return [...new Array<number>(rank - shape.length).fill(1), ...shape];
}

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

registerKernel('binaryBroadcast', 'cpu', ((op, a, b, outShape) => {
  const y = emptyCpu(outShape);
  const rank = outShape.length;
  nativeFunctions<BroadcastNative>().binaryBroadcast(
    BINARY_CODES[op], a.data, padShape(a.shape, rank), b.data, padShape(b.shape, rank), y.data, [...outShape]);
  return y;
}) as BinaryKernel);

registerKernel('affineScalar', 'cpu', ((x, s, c) => {
  const y = emptyCpu(x.shape);
  nativeFunctions<BroadcastNative>().affineScalar(x.data, y.data, s, c);
  return y;
}) as AffineKernel);

registerKernel('sumToShape', 'cpu', ((g, targetShape, scale) => {
  const y = emptyCpu(targetShape);
  nativeFunctions<BroadcastNative>().sumToShape(g.data, [...g.shape], y.data, padShape(targetShape, g.shape.length), scale);
  return y;
}) as SumToShapeKernel);

registerKernel('broadcastTo', 'cpu', ((x, outShape, scale) => {
  const y = emptyCpu(outShape);
  nativeFunctions<BroadcastNative>().broadcastTo(x.data, padShape(x.shape, outShape.length), y.data, [...outShape], scale);
  return y;
}) as BroadcastToKernel);

// The gradient of a broadcast input: g summed over the dims where `shape` was broadcast.
export function reduceToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  return getKernel<SumToShapeKernel>('sumToShape', g.device)(g, shape, 1);
}

export function binaryKernel(device: Tensor['device']): BinaryKernel {
  return getKernel<BinaryKernel>('binaryBroadcast', device);
}

export function affineKernel(device: Tensor['device']): AffineKernel {
  return getKernel<AffineKernel>('affineScalar', device);
}
