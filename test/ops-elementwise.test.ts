// relu, sigmoid, add/sub/mul (broadcast, number), scale, dropout: forward and gradients
// against plain float64 references and finite differences; bad input by exact message.
import t from 'tap';
import { Tensor } from '../lib/tensor';
import * as ops from '../lib/ops/index';
import { fakeCudaTensor } from './support/fake-device';
import { seededRandom, randTensor, gradCheck, assertClose, Rng } from './support/check';

const rng = seededRandom(7);

// Values at least `gap` away from 0 (so finite differences never straddle relu's kink).
function awayFromZero(r: Rng, shape: number[], gap = 0.05): Tensor {
  const n = shape.reduce((p, s) => p * s, 1);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() < 0.5 ? -1 : 1) * (gap + r());
  return Tensor.from(a, shape, { requiresGrad: true });
}

function unaryRef(f: (v: number) => number) {
  return ([x]: Float64Array[]) => x.map(f);
}

t.test('relu forward and gradient', (t) => {
  for (const shape of [[2, 3, 5, 7], [1, 1, 1, 1], [3, 17], [4, 8, 33, 35]]) {
    const x = awayFromZero(rng, shape);
    gradCheck(t, { what: `relu [${shape}]`, inputs: [x], run: ([a]) => ops.relu(a), reference: unaryRef((v) => Math.max(v, 0)) });
  }
  t.end();
});

t.test('sigmoid forward and gradient', (t) => {
  for (const shape of [[2, 3, 5, 7], [1, 1, 1, 1], [4, 8, 33, 35]]) {
    const x = randTensor(rng, shape, { requiresGrad: true, scale: 6 });
    gradCheck(t, {
      what: `sigmoid [${shape}]`, inputs: [x], run: ([a]) => ops.sigmoid(a),
      reference: unaryRef((v) => 1 / (1 + Math.exp(-v))), forwardTol: { atol: 1e-6, rtol: 1e-5 },
    });
  }
  const extreme = Tensor.from(new Float32Array([-200, -90, -20, 0, 20, 90, 200]), [7]);
  assertClose(t, ops.sigmoid(extreme).data, [0, 0, 2.061153622438558e-9, 0.5, 1, 1, 1], { atol: 1e-9, rtol: 1e-6 }, 'sigmoid at extremes');
  t.end();
});

// Plain float64 broadcasting: out[i] = f(a[ia], b[ib]) with numpy alignment.
function broadcastRef(aShape: number[], bShape: number[], f: (a: number, b: number) => number) {
  const rank = Math.max(aShape.length, bShape.length);
  const pa = [...Array(rank - aShape.length).fill(1), ...aShape];
  const pb = [...Array(rank - bShape.length).fill(1), ...bShape];
  const out = pa.map((s, i) => Math.max(s, pb[i]));
  const strides = (s: number[]) => s.map((_, i) => s.slice(i + 1).reduce((p, v) => p * v, 1));
  const sa = strides(pa), sb = strides(pb), so = strides(out);
  const n = out.reduce((p, s) => p * s, 1);
  const ia = new Int32Array(n);
  const ib = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < rank; d++) {
      const k = Math.floor(i / so[d]) % out[d];
      if (pa[d] !== 1) ia[i] += k * sa[d];
      if (pb[d] !== 1) ib[i] += k * sb[d];
    }
  }
  return ([a, b]: Float64Array[]) => {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = f(a[ia[i]], b[ib[i]]);
    return y;
  };
}

const PAIRS: [number[], number[]][] = [
  [[2, 3, 4, 5], [2, 3, 4, 5]],
  [[2, 3, 4, 5], [1, 3, 1, 1]],
  [[1, 3, 1, 1], [2, 3, 4, 5]],
  [[3, 1, 5], [4, 1]],
  [[5, 1, 3], [1, 4, 1]],
  [[1], [2, 3]],
  [[7, 3], [3]],
  [[4, 8, 33, 35], [1, 8, 1, 1]],
  [[4, 8, 33, 35], [4, 8, 1, 35]],
  [[2, 40, 413], [40, 1]],
];

t.test('add, sub, mul with broadcasting: forward and both gradients', (t) => {
  const fns = { add: (a: number, b: number) => a + b, sub: (a: number, b: number) => a - b, mul: (a: number, b: number) => a * b };
  for (const [aShape, bShape] of PAIRS) {
    for (const name of ['add', 'sub', 'mul'] as const) {
      const a = randTensor(rng, aShape, { requiresGrad: true });
      const b = randTensor(rng, bShape, { requiresGrad: true });
      gradCheck(t, {
        what: `${name} [${aShape}] [${bShape}]`, inputs: [a, b], run: ([x, y]) => ops[name](x, y),
        reference: broadcastRef(aShape, bShape, fns[name]), maxChecks: a.numel > 4096 ? 16 : 48,
      });
    }
  }
  t.end();
});

t.test('add, sub, mul, scale with a number', (t) => {
  const cases = [
    ['add', (v: number) => v + 2.5, (x: Tensor) => ops.add(x, 2.5)],
    ['sub', (v: number) => v - 2.5, (x: Tensor) => ops.sub(x, 2.5)],
    ['mul', (v: number) => v * -1.5, (x: Tensor) => ops.mul(x, -1.5)],
    ['scale', (v: number) => v * 0.25, (x: Tensor) => ops.scale(x, 0.25)],
  ] as const;
  for (const [name, f, run] of cases) {
    const x = randTensor(rng, [3, 4, 5, 3], { requiresGrad: true });
    gradCheck(t, { what: `${name} number`, inputs: [x], run: ([a]) => run(a), reference: unaryRef(f) });
  }
  t.end();
});

t.test('a tensor used twice accumulates both gradients', (t) => {
  const x = randTensor(rng, [2, 3], { requiresGrad: true });
  gradCheck(t, { what: 'x*x + x', inputs: [x], run: ([a]) => ops.add(ops.mul(a, a), a), reference: unaryRef((v) => v * v + v) });
  t.end();
});

t.test('NaN propagates and fails comparisons', (t) => {
  const x = Tensor.from(new Float32Array([1, NaN, -1]), [3]);
  const y = ops.relu(ops.add(x, 1));
  t.ok(Number.isNaN(y.data[1]), 'relu(NaN) is NaN');
  t.throws(() => {
    const r = Tensor.from(new Float32Array([2, 0, 0]), [3]);
    assertClose({ ok: (v: unknown, m?: string) => { if (!v) throw new Error(m); } }, y.data, r.data, { atol: 1, rtol: 1 }, 'nan');
  }, 'a NaN output does not compare close');
  t.end();
});

t.test('dropout: identity in eval, inverted mask in training, reproducible by seed', (t) => {
  const x = randTensor(rng, [4, 64, 16, 16], { requiresGrad: true });
  t.equal(ops.dropout(x, { p: 0.3, training: false }), x, 'eval returns x itself');
  t.equal(ops.dropout(x, { p: 0, training: true }), x, 'p = 0 returns x itself');
  const p = 0.3;
  const y = ops.dropout(x, { p, training: true, seed: 42 });
  let zeros = 0;
  let wrong = 0;
  for (let i = 0; i < x.numel; i++) {
    if (y.data[i] === 0) zeros++;
    else if (Math.abs(y.data[i] - x.data[i] / (1 - p)) > 1e-6 * (1 + Math.abs(x.data[i]))) wrong++;
  }
  const frac = zeros / x.numel;
  t.ok(Math.abs(frac - p) < 0.01, `dropped fraction ${frac} is near ${p}`);
  t.equal(wrong, 0, 'kept values are x / (1 - p)');
  const again = ops.dropout(x, { p, training: true, seed: 42 });
  t.same(Array.from(again.data.subarray(0, 512)), Array.from(y.data.subarray(0, 512)), 'same seed, same mask');
  const other = ops.dropout(x, { p, training: true, seed: 43 });
  t.notSame(Array.from(other.data.subarray(0, 512)), Array.from(y.data.subarray(0, 512)), 'another seed, another mask');
  const dy = randTensor(rng, [4, 64, 16, 16]);
  y.backward(dy);
  const want = new Float64Array(x.numel);
  for (let i = 0; i < x.numel; i++) want[i] = y.data[i] === 0 ? 0 : dy.data[i] / (1 - p);
  assertClose(t, x.grad!.data, want, { atol: 1e-6, rtol: 1e-6 }, 'dropout gradient uses the same mask');
  const all = ops.dropout(x, { p: 1, training: true });
  t.ok(all.data.every((v) => v === 0), 'p = 1 drops everything');
  t.end();
});

t.test('bad input throws exact messages', (t) => {
  const x = randTensor(rng, [2, 3]);
  t.throws(() => ops.relu([1, 2] as unknown as Tensor), new TypeError('Expected a Tensor for x but received an array of length 2'));
  t.throws(() => ops.sigmoid(null as unknown as Tensor), new TypeError('Expected a Tensor for x but received null'));
  t.throws(() => ops.add(3 as unknown as Tensor, x), new TypeError('Expected a Tensor for a but received 3'));
  t.throws(() => ops.mul(x, 'a' as unknown as Tensor), new TypeError('Expected a Tensor or a number for b but received "a"'));
  t.throws(() => ops.add(x, NaN), new TypeError('Expected a number for b but received NaN'));
  t.throws(() => ops.sub(x, randTensor(rng, [4])),
    new RangeError('Expected a shape that broadcasts with [2, 3] (the shape of a) for b but received shape [4]'));
  const onCuda = fakeCudaTensor([2, 3]);
  t.throws(() => ops.add(x, onCuda), new TypeError('Expected a tensor on cpu (the device of a) for b but received a tensor on cuda'));
  t.throws(() => ops.scale(x, '2' as unknown as number), new TypeError('Expected a number for s but received "2"'));
  t.throws(() => ops.dropout(x, { p: 1.5 }), new RangeError('Expected a number from 0 to 1 for p but received 1.5'));
  t.throws(() => ops.dropout(x, { training: 1 as unknown as boolean }), new TypeError('Expected a boolean for training but received 1'));
  t.throws(() => ops.dropout(x, { seed: -1 }), new RangeError('Expected an integer from 0 to 9007199254740991 for seed but received -1'));
  t.throws(() => ops.dropout(x, 5 as unknown as object), new TypeError('Expected an options object for options but received 5'));
  t.end();
});
