// Shape ops: reshape (a view, no copy) and concat along any dim (torch.reshape / torch.cat).
import { Tensor, shapeSize } from '../tensor';
import { record } from '../autograd';
import { traceOp } from '../trace';
import { getKernel } from '../registry';
import { expectInt, fail, describe } from '../errors';
import { expectTensor, expectSameDevice } from './check';
import './cpu/shape';
import './shape.grad';
import '../cuda/kernels/elementwise';

// A view of x with another shape of the same size (no tape, no trace: for other ops).
export function reshapeView(x: Tensor, shape: readonly number[]): Tensor {
  if (x.shape.length === shape.length && x.shape.every((s, i) => s === shape[i])) return x;
  return getKernel('reshapeForward', x.device)(x, shape);
}

function resolveShape(x: Tensor, shape: unknown): number[] {
  if (!Array.isArray(shape)) fail('type', 'an array of sizes', 'shape', describe(shape));
  const n = x.numel;
  let free = -1;
  const out = shape.map((s, i) => {
    if (s === -1) {
      if (free >= 0) fail('range', 'at most one -1', 'shape', `[${shape.join(', ')}]`);
      free = i;
      return 1;
    }
    return expectInt(s, `shape[${i}]`, 1);
  });
  const known = shapeSize(out);
  if (free >= 0) {
    if (n % known !== 0) fail('range', `a shape with ${n} elements (the size of x)`, 'shape', `[${shape.join(', ')}]`);
    out[free] = n / known;
  }
  if (shapeSize(out) !== n || out.length === 0) {
    fail('range', `a shape with ${n} elements (the size of x)`, 'shape', `[${shape.join(', ')}]`);
  }
  return out;
}

// x viewed with `shape` (one entry may be -1: inferred). Shares x's memory.
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  expectTensor(x, 'x');
  const out = resolveShape(x, shape);
  const y = getKernel('reshapeForward', x.device)(x, out);
  record(y, 'reshape', [x], { xShape: x.shape });
  traceOp('reshape', [x], [y], { shape: out });
  return y;
}

// torch.cat(xs, dim): all sizes equal except along dim; negative dim counts from the end.
export function concat(tensors: readonly Tensor[], dim = 1): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) fail('type', 'a non-empty array of Tensors', 'xs', describe(tensors));
  const xs: readonly Tensor[] = tensors;
  xs.forEach((x, i) => expectTensor(x, `xs[${i}]`));
  const rank = xs[0].shape.length;
  const d0 = expectInt(dim, 'dim', -rank, rank - 1);
  const d = d0 < 0 ? d0 + rank : d0;
  const first = xs[0].shape;
  xs.forEach((x, i) => {
    const ok = x.shape.length === rank && x.shape.every((s, k) => k === d || s === first[k]);
    if (!ok) {
      const want = first.map((s, k) => (k === d ? '*' : String(s))).join(', ');
      fail('range', `shape [${want}] (the shape of xs[0] except at dim ${d})`, `xs[${i}]`, `shape [${x.shape.join(', ')}]`);
    }
  });
  expectSameDevice(Object.fromEntries(xs.map((x, i) => [`xs[${i}]`, x])));
  const y = getKernel('concatForward', xs[0].device)(xs, d);
  record(y, 'concat', xs, { sizes: xs.map((x) => x.shape[d]), dim: d });
  traceOp('concat', xs, [y], { dim: d });
  return y;
}
