// The tape's gradient sum (gradAccumulate): the native kernel at sizes off the vector width,
// in place and out of place, its overlap checks by exact message, and the tape's rules for
// when a pending gradient's buffer may be summed into (never the caller's gradient, a
// gradient pending elsewhere, or a buffer a view still shares).
import t from 'tap';
import { Tensor } from '../lib/tensor';
import * as ops from '../lib/ops/index';
import { getKernel } from '../lib/registry';
import { addon } from '../lib/native';
import { seededRandom, randTensor, assertClose } from './support/check';

const rng = seededRandom(11);

function randomArray(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng() * 2 - 1) * 10;
  return a;
}

// The float32 sum, element by element (what the kernel must give bit for bit).
function sumRef(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((v, i) => Math.fround(v + b[i]));
}

// Sizes around the 8- and 16-float vectors and past the threads' split (32768 elements).
const SIZES = [1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 1023, 40_003, 100_001];

t.test('native gradAccumulate: y = a + b exactly, into a new buffer, a, b, or a = b', (t) => {
  for (const n of SIZES) {
    const a = randomArray(n), b = randomArray(n);
    const want = sumRef(a, b);
    const y = new Float32Array(n).fill(Number.NaN);
    addon().gradAccumulate(a, b, y);
    t.same(y, want, `n=${n}: new buffer`);
    const a1 = a.slice();
    addon().gradAccumulate(a1, b, a1);
    t.same(a1, want, `n=${n}: in place into a`);
    const b1 = b.slice();
    addon().gradAccumulate(a, b1, b1);
    t.same(b1, want, `n=${n}: in place into b`);
    const a2 = a.slice();
    addon().gradAccumulate(a2, a2, a2);
    t.same(a2, sumRef(a, a), `n=${n}: a + a in place`);
    const y2 = new Float32Array(n);
    addon().gradAccumulate(a, a, y2);
    t.same(y2, sumRef(a, a), `n=${n}: a + a into a new buffer`);
  }
  t.end();
});

t.test('native gradAccumulate: offset views that do not overlap y are fine; partial overlaps throw', (t) => {
  const n = 37;
  const buf = randomArray(3 * n + 1);
  const a = buf.subarray(0, n), b = buf.subarray(n, 2 * n), y = buf.subarray(2 * n + 1, 3 * n + 1);
  const want = sumRef(a, b);
  addon().gradAccumulate(a, b, y);
  t.same(y, want, 'disjoint pieces of one buffer');
  const shifted = buf.subarray(1, n + 1);
  t.throws(() => addon().gradAccumulate(a, b, shifted),
    new RangeError('Expected a buffer that is y or does not overlap it for a but received a partial overlap with y'));
  t.throws(() => addon().gradAccumulate(b, shifted, a),
    new RangeError('Expected a buffer that is y or does not overlap it for b but received a partial overlap with y'));
  t.throws(() => addon().gradAccumulate(a, new Float32Array(n + 1), y),
    new RangeError(`Expected a buffer of length ${n} for b but received length ${n + 1}`));
  t.throws(() => addon().gradAccumulate(a, b, new Float32Array(n - 1)),
    new RangeError(`Expected a buffer of length ${n} for y but received length ${n - 1}`));
  t.throws(() => addon().gradAccumulate(a, [1] as unknown as Float32Array, y),
    new TypeError('Expected Float32Array for b but received an array'));
  t.end();
});

t.test('the cpu kernel: a new tensor, or a itself with inPlace', (t) => {
  const kernel = getKernel('gradAccumulate', 'cpu');
  const a = randTensor(rng, [2, 3, 5, 7]), b = randTensor(rng, [2, 3, 5, 7]);
  const aBefore = a.data.slice(), want = sumRef(a.data, b.data);
  const y = kernel(a, b, false);
  t.not(y, a, 'out of place: a new tensor');
  t.same(y.shape, a.shape, 'same shape');
  t.same(y.data, want, 'the sum');
  t.same(a.data, aBefore, 'a untouched');
  const z = kernel(a, b, true);
  t.equal(z, a, 'in place: a itself');
  t.same(a.data, want, 'a holds the sum');
  t.end();
});

t.test('ownsStorage: false while a view shares the buffer and once disposed', (t) => {
  const x = randTensor(rng, [2, 6]);
  t.ok(x.ownsStorage, 'a fresh tensor owns its buffer');
  const v = ops.reshape(x, [3, 4]);
  t.notOk(x.ownsStorage, 'a reshape view shares it');
  t.notOk(v.ownsStorage, 'so does the view');
  const d = v.detach();
  v.dispose();
  t.notOk(x.ownsStorage, 'detach() shares it too');
  d.dispose();
  t.ok(x.ownsStorage, 'alone again once the others are disposed');
  x.dispose();
  t.notOk(x.ownsStorage, 'a disposed tensor owns nothing');
  t.end();
});

t.test('backward never writes into the caller\'s gradient, even through a view or a passthrough', (t) => {
  const shape = [2, 3, 4];
  const x = randTensor(rng, shape, { requiresGrad: true });
  // add passes the caller's gradient to both inputs as is; reshape passes a view of it.
  const root = ops.add(ops.reshape(x, [24]), ops.reshape(ops.add(ops.scale(x, 2), x), [24]));
  const g = randTensor(rng, [24]);
  const gBefore = g.data.slice();
  root.backward(g);
  t.same(g.data, gBefore, 'the caller\'s gradient is unchanged');
  assertClose(t, x.grad!.data, Array.from(gBefore, (v) => 4 * v), { atol: 1e-5, rtol: 1e-6 }, 'x.grad = (1 + 2 + 1) g');
  t.end();
});

t.test('a gradient pending for two inputs, or passed to both inputs of one op, is not summed into', (t) => {
  const z = randTensor(rng, [3, 33], { requiresGrad: true });
  const w = randTensor(rng, [3, 33], { requiresGrad: true });
  const y = ops.relu(z);
  // add(y, y) hands one gradient object to both of its inputs; add(u, w) hands one to u and w.
  const u = ops.add(y, y);
  const root = ops.scale(ops.add(ops.add(u, w), ops.mul(y, w)), 3);
  root.backward(Tensor.ones(root.shape));
  const zd = z.data, wd = w.data;
  const yd = Array.from(zd, (v) => Math.max(v, 0));
  // d/dy = 3 (2 + w); d/dz = that where z > 0; d/dw = 3 (1 + y).
  assertClose(t, z.grad!.data, Array.from(zd, (v, i) => (v > 0 ? 3 * (2 + wd[i]) : 0)), { atol: 1e-5, rtol: 1e-5 }, 'z.grad');
  assertClose(t, w.grad!.data, yd.map((v) => 3 * (1 + v)), { atol: 1e-5, rtol: 1e-5 }, 'w.grad');
  t.end();
});

t.test('a tensor read by many consumers gets the sum of their gradients', (t) => {
  const x = randTensor(rng, [2, 4, 9, 9], { requiresGrad: true });
  const h = ops.scale(x, 1); // an intermediate whose pending gradient is summed into in place
  const parts = [ops.scale(h, 2), ops.relu(h), ops.mul(h, h), ops.add(h, 1), ops.sub(h, h)];
  const root = parts.reduce((s, p) => ops.add(s, p));
  root.backward(Tensor.ones(root.shape));
  const want = Array.from(x.data, (v) => 2 + (v > 0 ? 1 : 0) + 2 * v + 1 + 0);
  assertClose(t, x.grad!.data, want, { atol: 1e-5, rtol: 1e-5 }, 'x.grad = 2 + relu\' + 2x + 1 + (1 - 1)');
  t.end();
});
