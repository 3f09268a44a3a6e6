// Pooling ops (torch.nn.functional.max_pool2d / avg_pool2d / adaptive_avg_pool2d(x, 1)).
import { Tensor } from '../tensor';
import { record } from '../autograd';
import { traceOp } from '../trace';
import { nativeFunctions } from '../native';
import { registerKernel, getKernel } from './registry';
import { expectTensor, expectRank, expectOptions, expectInt, fail, describe } from './validate';
import { emptyCpu, SumToShapeKernel, BroadcastToKernel } from './broadcast';

export interface Pool2dOptions {
  kernelSize: number | [number, number];
  stride?: number | [number, number];   // default: kernelSize
  padding?: number | [number, number];  // default: 0; at most half of kernelSize
}

// Resolved window geometry (also the traced attrs).
export interface Pool2dGeometry {
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
}

interface PoolNative {
  maxPool2dForward(x: Float32Array, xShape: number[], k: number[], s: number[], p: number[], y: Float32Array): void;
  maxPool2dBackward(x: Float32Array, xShape: number[], k: number[], s: number[], p: number[], gy: Float32Array, gx: Float32Array): void;
  avgPool2dForward(x: Float32Array, xShape: number[], k: number[], s: number[], p: number[], y: Float32Array): void;
  avgPool2dBackward(gy: Float32Array, xShape: number[], k: number[], s: number[], p: number[], gx: Float32Array): void;
}

type PoolKernel = (x: Tensor, g: Pool2dGeometry) => Tensor;
// maxPool2dBackward(x, gy, g) and avgPool2dBackward(x, gy, g) -> gx (avg uses only x's shape).
type PoolBackwardKernel = (x: Tensor, gy: Tensor, g: Pool2dGeometry) => Tensor;

const native = (): PoolNative => nativeFunctions<PoolNative>();

function outputShape(x: readonly number[], g: Pool2dGeometry): number[] {
  return [
    x[0], x[1],
    Math.floor((x[2] + 2 * g.padding[0] - g.kernelSize[0]) / g.stride[0]) + 1,
    Math.floor((x[3] + 2 * g.padding[1] - g.kernelSize[1]) / g.stride[1]) + 1,
  ];
}

registerKernel('maxPool2d', 'cpu', ((x, g) => {
  const y = emptyCpu(outputShape(x.shape, g));
  native().maxPool2dForward(x.data, [...x.shape], g.kernelSize, g.stride, g.padding, y.data);
  return y;
}) as PoolKernel);

registerKernel('maxPool2dBackward', 'cpu', ((x, gy, g) => {
  const gx = emptyCpu(x.shape);
  native().maxPool2dBackward(x.data, [...x.shape], g.kernelSize, g.stride, g.padding, gy.data, gx.data);
  return gx;
}) as PoolBackwardKernel);

registerKernel('avgPool2d', 'cpu', ((x, g) => {
  const y = emptyCpu(outputShape(x.shape, g));
  native().avgPool2dForward(x.data, [...x.shape], g.kernelSize, g.stride, g.padding, y.data);
  return y;
}) as PoolKernel);

registerKernel('avgPool2dBackward', 'cpu', ((x, gy, g) => {
  const gx = emptyCpu(x.shape);
  native().avgPool2dBackward(gy.data, [...x.shape], g.kernelSize, g.stride, g.padding, gx.data);
  return gx;
}) as PoolBackwardKernel);

function pair(v: unknown, name: string, min: number): [number, number] {
  if (typeof v === 'number') {
    const n = expectInt(v, name, min);
    return [n, n];
  }
  if (Array.isArray(v) && v.length === 2) return [expectInt(v[0], `${name}[0]`, min), expectInt(v[1], `${name}[1]`, min)];
  return fail('type', 'an integer or a pair of integers', name, describe(v));
}

export function resolvePool2d(x: Tensor, options: unknown): Pool2dGeometry {
  const o = expectOptions<Pool2dOptions>(options, 'options');
  const kernelSize = pair(o.kernelSize, 'kernelSize', 1);
  const stride = o.stride === undefined ? kernelSize : pair(o.stride, 'stride', 1);
  const padding = o.padding === undefined ? [0, 0] as [number, number] : pair(o.padding, 'padding', 0);
  if (padding[0] * 2 > kernelSize[0] || padding[1] * 2 > kernelSize[1]) {
    fail('range', `padding at most half of kernelSize [${kernelSize.join(', ')}]`, 'padding', `[${padding.join(', ')}]`);
  }
  const [, , h, w] = x.shape;
  if (h + 2 * padding[0] < kernelSize[0] || w + 2 * padding[1] < kernelSize[1]) {
    fail('range', `an input of at least ${kernelSize[0] - 2 * padding[0]}x${kernelSize[1] - 2 * padding[1]} pixels (the padded window)`,
      'x', `shape [${x.shape.join(', ')}]`);
  }
  return { kernelSize, stride, padding };
}

function poolOp(name: 'maxPool2d' | 'avgPool2d', x: Tensor, options: unknown): Tensor {
  expectTensor(x, 'x');
  expectRank(x, 4, 'x');
  const g = resolvePool2d(x, options);
  const y = getKernel<PoolKernel>(name, x.device)(x, g);
  record(y, name, [x], (gy) => [getKernel<PoolBackwardKernel>(`${name}Backward`, gy.device)(x, gy, g)]);
  traceOp(name, [x], [y], { kernelSize: g.kernelSize, stride: g.stride, padding: g.padding });
  return y;
}

// Max over each window; padding never wins; the gradient goes to each window's first maximum.
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  return poolOp('maxPool2d', x, options);
}

// Mean over each window, padding counted as zeros (count_include_pad = true, torch's default).
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  return poolOp('avgPool2d', x, options);
}

// (N,C,H,W) -> (N,C,1,1), the mean of each plane.
export function globalAvgPool2d(x: Tensor): Tensor {
  expectTensor(x, 'x');
  expectRank(x, 4, 'x');
  const [n, c, h, w] = x.shape;
  const scale = 1 / (h * w);
  const y = getKernel<SumToShapeKernel>('sumToShape', x.device)(x, [n, c, 1, 1], scale);
  record(y, 'globalAvgPool2d', [x], (g) => [getKernel<BroadcastToKernel>('broadcastTo', g.device)(g, x.shape, scale)]);
  traceOp('globalAvgPool2d', [x], [y], {});
  return y;
}
