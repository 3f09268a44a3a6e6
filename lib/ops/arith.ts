// Arithmetic ops with numpy/torch broadcasting: add, sub, mul (tensor or number), scale.
// Gradients (summed over a broadcast input's broadcast dims): arith.grad.ts.
import { Tensor } from '../tensor';
import { record } from '../autograd';
import { traceOp } from '../trace';
import { expectNumber, fail, describe } from '../errors';
import { expectTensor, expectSameDevice } from './check';
import { BinaryOpName, binaryKernel, affineKernel, broadcastShapes } from './broadcast';
import './arith.grad';

function checkOther(a: Tensor, b: unknown): Tensor | number {
  if (typeof b === 'number') return expectNumber(b, 'b');
  if (!(b instanceof Tensor)) fail('type', 'a Tensor or a number', 'b', describe(b));
  expectSameDevice({ a, b });
  return b;
}

function outShape(a: Tensor, b: Tensor): number[] {
  const out = broadcastShapes(a.shape, b.shape);
  if (!out) fail('range', `a shape that broadcasts with [${a.shape.join(', ')}] (the shape of a)`, 'b', `shape [${b.shape.join(', ')}]`);
  return out;
}

// y = x * s + c as an op (the number forms of add/sub/mul, and scale), traced as `name` and
// recorded on the tape as `tapeName`.
function affineOp(name: string, tapeName: 'addScalar' | 'subScalar' | 'mulScalar' | 'scale', x: Tensor, s: number, c: number,
  attrs: Record<string, unknown>): Tensor {
  const y = affineKernel(x.device)(x, s, c);
  record(y, tapeName, [x], { s });
  traceOp(name, [x], [y], attrs);
  return y;
}

function binaryOp(name: BinaryOpName, a: Tensor, b: Tensor): Tensor {
  const shape = outShape(a, b);
  const kernel = binaryKernel(a.device);
  const y = kernel(name, a, b, shape);
  record(y, name, [a, b], { a, b, shape });
  traceOp(name, [a, b], [y], {});
  return y;
}

// torch.add(a, b): a + b, b a tensor (broadcast) or a number. A number is traced as attrs.scalar.
export function add(a: Tensor, b: Tensor | number): Tensor {
  expectTensor(a, 'a');
  const other = checkOther(a, b);
  if (typeof other === 'number') return affineOp('add', 'addScalar', a, 1, other, { scalar: other });
  return binaryOp('add', a, other);
}

// torch.sub(a, b): a - b.
export function sub(a: Tensor, b: Tensor | number): Tensor {
  expectTensor(a, 'a');
  const other = checkOther(a, b);
  if (typeof other === 'number') return affineOp('sub', 'subScalar', a, 1, -other, { scalar: other });
  return binaryOp('sub', a, other);
}

// torch.mul(a, b): a * b.
export function mul(a: Tensor, b: Tensor | number): Tensor {
  expectTensor(a, 'a');
  const other = checkOther(a, b);
  if (typeof other === 'number') return affineOp('mul', 'mulScalar', a, other, 0, { scalar: other });
  return binaryOp('mul', a, other);
}

// x * s for a number s (losses, optimizers, loss weights).
export function scale(x: Tensor, s: number): Tensor {
  expectTensor(x, 'x');
  expectNumber(s, 's');
  return affineOp('scale', 'scale', x, s, 0, { scale: s });
}
