// Reductions: sum and mean over all elements or over dims (torch.sum / torch.mean).
import { Tensor } from '../tensor';
import { record } from '../autograd';
import { traceOp } from '../trace';
import { getKernel } from '../registry';
import { expectOptions, expectInt, expectBool, fail, describe } from '../errors';
import { expectTensor } from './check';
import { reshapeView } from './shape';
import './reduce.grad';

export interface ReduceOptions {
  // A dim or a list of dims (negative counts from the end). Omitted: all elements.
  dim?: number | number[];
  // Keep reduced dims as size 1 (default false). Without dim and keepdim, the result is [1].
  keepdim?: boolean;
}

interface Reduction {
  dims: number[];          // sorted, non-negative
  keepdim: boolean;
  kept: number[];          // x's shape with reduced dims set to 1
  out: number[];           // the result's shape
  count: number;           // elements summed into each result element
}

function resolve(x: Tensor, options: unknown): Reduction {
  const o = expectOptions<ReduceOptions>(options, 'options');
  const rank = x.shape.length;
  const keepdim = o.keepdim === undefined ? false : expectBool(o.keepdim, 'keepdim');
  let dims: number[];
  if (o.dim === undefined) {
    dims = x.shape.map((_, i) => i);
  } else {
    const list = Array.isArray(o.dim) ? o.dim : [o.dim];
    if (Array.isArray(o.dim) && o.dim.length === 0) fail('range', 'a non-empty list of dims', 'dim', describe(o.dim));
    dims = list.map((d, i) => {
      const v = expectInt(d, Array.isArray(o.dim) ? `dim[${i}]` : 'dim', -rank, rank - 1);
      return v < 0 ? v + rank : v;
    });
    if (new Set(dims).size !== dims.length) fail('range', 'distinct dims', 'dim', `[${list.join(', ')}]`);
    dims.sort((a, b) => a - b);
  }
  const kept = x.shape.map((s, i) => (dims.includes(i) ? 1 : s));
  let out: number[];
  if (keepdim) out = kept;
  else {
    out = x.shape.filter((_, i) => !dims.includes(i));
    if (out.length === 0) out = [1];
  }
  const count = dims.reduce((p, d) => p * x.shape[d], 1);
  return { dims, keepdim, kept, out, count };
}

function reduceOp(name: 'sum' | 'mean', x: Tensor, options: unknown): Tensor {
  expectTensor(x, 'x');
  const r = resolve(x, options);
  const scale = name === 'mean' ? 1 / r.count : 1;
  const summed = getKernel('sumToShape', x.device)(x, r.kept, scale);
  const y = reshapeView(summed, r.out);
  if (y !== summed) summed.dispose();  // the view holds the storage now (freed with it, not by the collector)
  record(y, name, [x], { xShape: x.shape, kept: r.kept, scale });
  traceOp(name, [x], [y], { dim: r.dims, keepdim: r.keepdim });
  return y;
}

// Sum over `dim` (all elements when omitted).
export function sum(x: Tensor, options?: ReduceOptions): Tensor {
  return reduceOp('sum', x, options);
}

// Mean over `dim` (all elements when omitted).
export function mean(x: Tensor, options?: ReduceOptions): Tensor {
  return reduceOp('mean', x, options);
}
