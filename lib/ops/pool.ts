// Pooling ops (torch.nn.functional.max_pool2d / avg_pool2d / adaptive_avg_pool2d(x, 1)).
import { Tensor } from '../tensor';
import { record } from '../autograd';
import { traceOp } from '../trace';
import { getKernel } from '../registry';
import { expectOptions, expectInt, fail, describe } from '../errors';
import { expectTensor, expectRank } from './check';
import type { Pool2dGeometry } from './cpu/pool';
import './cpu/pool';
import './pool.grad';
import '../cuda/kernels/layers';

export type { Pool2dGeometry };

export interface Pool2dOptions {
  kernelSize: number | [number, number];
  stride?: number | [number, number];   // default: kernelSize
  padding?: number | [number, number];  // default: 0; at most half of kernelSize
}

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
  const y = getKernel(`${name}Forward`, x.device)(x, g);
  record(y, name, [x], { x, geometry: g });
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
  const y = getKernel('sumToShape', x.device)(x, [n, c, 1, 1], scale);
  record(y, 'globalAvgPool2d', [x], { xShape: x.shape, scale });
  traceOp('globalAvgPool2d', [x], [y], {});
  return y;
}
