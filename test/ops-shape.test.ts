// reshape, concat, sum, mean: forward and gradients against plain float64 references and
// finite differences; bad input by exact message.
import t from 'tap';
import { Tensor } from '../lib/tensor';
import * as ops from '../lib/ops/index';
import { fakeCudaTensor } from './support/fake-device';
import { seededRandom, randTensor, gradCheck } from './support/check';

const rng = seededRandom(11);
const size = (s: number[]) => s.reduce((p, v) => p * v, 1);

t.test('reshape is a view with -1 inferred, gradient flows back', (t) => {
  const x = randTensor(rng, [2, 3, 4, 5], { requiresGrad: true });
  const y = ops.reshape(x, [6, -1]);
  t.same([...y.shape], [6, 20]);
  t.equal(y.data, x.data, 'same memory');
  gradCheck(t, { what: 'reshape', inputs: [x], run: ([a]) => ops.reshape(a, [-1, 5, 2, 12]), reference: ([a]) => a.slice() });
  t.end();
});

// Plain concat of row-major arrays along dim.
function concatRef(shapes: number[][], dim: number) {
  return (xs: Float64Array[]) => {
    const outer = size(shapes[0].slice(0, dim));
    const inner = size(shapes[0].slice(dim + 1));
    const out: number[] = [];
    for (let o = 0; o < outer; o++) {
      shapes.forEach((s, k) => {
        const row = s[dim] * inner;
        for (let i = 0; i < row; i++) out.push(xs[k][o * row + i]);
      });
    }
    return Float64Array.from(out);
  };
}

t.test('concat along every dim, gradients split back', (t) => {
  const base = [2, 3, 5, 7];
  for (const dim of [0, 1, 2, 3, -1, -3]) {
    const d = dim < 0 ? dim + 4 : dim;
    const shapes = [1, 4, 2].map((k) => base.map((s, i) => (i === d ? k : s)));
    const xs = shapes.map((s) => randTensor(rng, s, { requiresGrad: true }));
    gradCheck(t, { what: `concat dim ${dim}`, inputs: xs, run: (ins) => ops.concat(ins, dim), reference: concatRef(shapes, d) });
  }
  const big = [[2, 16, 33, 35], [2, 8, 33, 35]];
  const bx = big.map((s) => randTensor(rng, s, { requiresGrad: true }));
  gradCheck(t, { what: 'concat large (threaded)', inputs: bx, run: (ins) => ops.concat(ins), reference: concatRef(big, 1), maxChecks: 16 });
  const a = randTensor(rng, [2, 3], { requiresGrad: true });
  const b = randTensor(rng, [2, 3]);
  const y = ops.concat([a, b], 0);
  y.backward(Tensor.ones([4, 3]));
  t.ok(a.grad && b.grad === null, 'only inputs that require grad get one');
  t.same([...ops.concat([a]).shape], [2, 3], 'a single tensor');
  t.end();
});

// Plain float64 sum over `dims` of x (shape), keepdim shape bookkeeping done by the caller.
function sumRef(shape: number[], dims: number[], scale: number) {
  const kept = shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const n = size(shape);
  const strides = (s: number[]) => s.map((_, i) => size(s.slice(i + 1)));
  const sx = strides(shape), sk = strides(kept);
  return ([x]: Float64Array[]) => {
    const y = new Float64Array(size(kept));
    for (let i = 0; i < n; i++) {
      let j = 0;
      for (let d = 0; d < shape.length; d++) if (kept[d] !== 1) j += (Math.floor(i / sx[d]) % shape[d]) * sk[d];
      y[j] += x[i];
    }
    return y.map((v) => v * scale);
  };
}

t.test('sum and mean over dims, keepdim, all elements', (t) => {
  const shape = [3, 4, 5, 6];
  const cases: { dim?: number | number[]; keepdim?: boolean; dims: number[]; out: number[] }[] = [
    { dims: [0, 1, 2, 3], out: [1] },
    { keepdim: true, dims: [0, 1, 2, 3], out: [1, 1, 1, 1] },
    { dim: 1, dims: [1], out: [3, 5, 6] },
    { dim: -1, keepdim: true, dims: [3], out: [3, 4, 5, 1] },
    { dim: [2, 3], keepdim: true, dims: [2, 3], out: [3, 4, 1, 1] },
    { dim: [0, 2], dims: [0, 2], out: [4, 6] },
    { dim: [3, 0, 1], dims: [0, 1, 3], out: [5] },
  ];
  for (const c of cases) {
    for (const name of ['sum', 'mean'] as const) {
      const x = randTensor(rng, shape, { requiresGrad: true });
      const count = c.dims.reduce((p, d) => p * shape[d], 1);
      const y = ops[name](x, { dim: c.dim, keepdim: c.keepdim });
      t.same([...y.shape], c.out, `${name} ${JSON.stringify(c.dim)} shape`);
      gradCheck(t, {
        what: `${name} dim ${JSON.stringify(c.dim)} keepdim ${c.keepdim}`, inputs: [x],
        run: ([a]) => ops[name](a, { dim: c.dim, keepdim: c.keepdim }),
        reference: sumRef(shape, c.dims, name === 'mean' ? 1 / count : 1),
      });
    }
  }
  t.end();
});

t.test('sum and mean of large tensors (threaded paths)', (t) => {
  const shape = [4, 8, 33, 35];
  for (const [dim, dims] of [[undefined, [0, 1, 2, 3]], [[0, 2, 3], [0, 2, 3]], [0, [0]], [[1, 2], [1, 2]]] as const) {
    const x = randTensor(rng, shape, { requiresGrad: true });
    const count = dims.reduce((p: number, d: number) => p * shape[d], 1);
    gradCheck(t, {
      what: `mean large dim ${JSON.stringify(dim)}`, inputs: [x], run: ([a]) => ops.mean(a, { dim: dim as number[] | number | undefined }),
      reference: sumRef(shape, [...dims], 1 / count), maxChecks: 16, forwardTol: { atol: 1e-5, rtol: 1e-4 },
    });
  }
  t.end();
});

t.test('bad input throws exact messages', (t) => {
  const x = randTensor(rng, [2, 3, 4]);
  t.throws(() => ops.reshape(x, [5, -1]), new RangeError('Expected a shape with 24 elements (the size of x) for shape but received [5, -1]'));
  t.throws(() => ops.reshape(x, [4, 7]), new RangeError('Expected a shape with 24 elements (the size of x) for shape but received [4, 7]'));
  t.throws(() => ops.reshape(x, [-1, -1, 6]), new RangeError('Expected at most one -1 for shape but received [-1, -1, 6]'));
  t.throws(() => ops.reshape(x, [0, 24]), new RangeError('Expected an integer >= 1 for shape[0] but received 0'));
  t.throws(() => ops.reshape(x, 24 as unknown as number[]), new TypeError('Expected an array of sizes for shape but received 24'));
  t.throws(() => ops.concat([]), new TypeError('Expected a non-empty array of Tensors for xs but received an array of length 0'));
  t.throws(() => ops.concat(x as unknown as Tensor[]), new TypeError('Expected a non-empty array of Tensors for xs but received a tensor of shape [2, 3, 4] on cpu'));
  t.throws(() => ops.concat([x, 1 as unknown as Tensor]), new TypeError('Expected a Tensor for xs[1] but received 1'));
  t.throws(() => ops.concat([x, randTensor(rng, [2, 3, 5])], 1),
    new RangeError('Expected shape [2, *, 4] (the shape of xs[0] except at dim 1) for xs[1] but received shape [2, 3, 5]'));
  t.throws(() => ops.concat([x, randTensor(rng, [2, 3])], 1),
    new RangeError('Expected shape [2, *, 4] (the shape of xs[0] except at dim 1) for xs[1] but received shape [2, 3]'));
  t.throws(() => ops.concat([x, x], 3), new RangeError('Expected an integer from -3 to 2 for dim but received 3'));
  t.throws(() => ops.concat([x, fakeCudaTensor([2, 3, 4])]),
    new TypeError('Expected a tensor on cpu (the device of xs[0]) for xs[1] but received a tensor on cuda'));
  t.throws(() => ops.sum(x, { dim: 3 }), new RangeError('Expected an integer from -3 to 2 for dim but received 3'));
  t.throws(() => ops.mean(x, { dim: [0, -3] }), new RangeError('Expected distinct dims for dim but received [0, -3]'));
  t.throws(() => ops.mean(x, { dim: [0, 1.5] }), new TypeError('Expected an integer for dim[1] but received 1.5'));
  t.throws(() => ops.sum(x, { keepdim: 'yes' as unknown as boolean }), new TypeError('Expected a boolean for keepdim but received "yes"'));
  t.throws(() => ops.sum('x' as unknown as Tensor), new TypeError('Expected a Tensor for x but received "x"'));
  t.end();
});
