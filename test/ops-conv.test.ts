import t from 'tap';
import { Tensor } from '../lib/tensor';
import { conv2d } from '../lib/ops/conv';
import { withTracer, TracedOp } from '../lib/trace';
import { fakeCudaTensor } from './support/fake-device';
import { assertClose, gradCheck, randArray, randInt, randTensor, seededRandom } from './support/check';
import { ConvRefShape, convBackwardRef, convForwardRef, convOut } from './support/conv-reference';

interface Case { n: number; c: number; h: number; w: number; k: number; r: number; s: number; sh: number; sw: number; ph: number; pw: number; bias: boolean }

function check(t: Parameters<typeof gradCheck>[0], cs: Case, seed: number): void {
  const rng = seededRandom(seed);
  const g: ConvRefShape = cs;
  const x = randTensor(rng, [cs.n, cs.c, cs.h, cs.w], { requiresGrad: true });
  const w = randTensor(rng, [cs.k, cs.c, cs.r, cs.s], { requiresGrad: true, scale: 0.5 });
  const b = cs.bias ? randTensor(rng, [cs.k], { requiresGrad: true }) : null;
  const name = `conv n${cs.n} c${cs.c} ${cs.h}x${cs.w} k${cs.k} ${cs.r}x${cs.s} s${cs.sh},${cs.sw} p${cs.ph},${cs.pw}${cs.bias ? ' bias' : ''}`;
  gradCheck(t, {
    what: name,
    inputs: b ? [x, w, b] : [x, w],
    run: ([xx, ww, bb]) => conv2d(xx, ww, bb ?? null, { stride: [cs.sh, cs.sw], padding: [cs.ph, cs.pw] }),
    reference: ([xx, ww, bb]) => convForwardRef(g, xx, ww, bb ?? null),
    forwardTol: { atol: 1e-4, rtol: 1e-4 },
    gradTol: { atol: 2e-3, rtol: 2e-3 },
    maxChecks: 24,
    seed,
  });
}

t.test('conv2d forward and gradients match the float64 reference and finite differences', (t) => {
  const cases: Case[] = [
    { n: 1, c: 1, h: 5, w: 5, k: 1, r: 3, s: 3, sh: 1, sw: 1, ph: 1, pw: 1, bias: true },
    { n: 2, c: 3, h: 7, w: 6, k: 5, r: 3, s: 3, sh: 1, sw: 1, ph: 0, pw: 0, bias: false },
    { n: 2, c: 2, h: 9, w: 7, k: 3, r: 3, s: 3, sh: 2, sw: 2, ph: 1, pw: 1, bias: true },
    { n: 1, c: 3, h: 8, w: 9, k: 4, r: 5, s: 5, sh: 1, sw: 1, ph: 2, pw: 2, bias: true },
    { n: 2, c: 4, h: 6, w: 5, k: 9, r: 1, s: 1, sh: 1, sw: 1, ph: 0, pw: 0, bias: true },
    { n: 1, c: 2, h: 9, w: 10, k: 3, r: 1, s: 1, sh: 2, sw: 2, ph: 0, pw: 0, bias: false },
    { n: 1, c: 2, h: 11, w: 8, k: 3, r: 5, s: 3, sh: 2, sw: 1, ph: 2, pw: 0, bias: true },
    { n: 3, c: 3, h: 5, w: 5, k: 2, r: 3, s: 3, sh: 3, sw: 2, ph: 2, pw: 1, bias: true },
    { n: 1, c: 1, h: 4, w: 4, k: 2, r: 3, s: 3, sh: 1, sw: 1, ph: 2, pw: 2, bias: false },
  ];
  cases.forEach((cs, i) => check(t, cs, 100 + i));
  t.end();
});

t.test('conv2d random shapes (odd sizes, batch 1 and 2)', (t) => {
  const rng = seededRandom(7);
  for (let i = 0; i < 6; i++) {
    const r = [1, 3, 5][randInt(rng, 0, 2)];
    const ph = randInt(rng, 0, 2);
    const sh = randInt(rng, 1, 2);
    const h = randInt(rng, Math.max(r - 2 * ph, 1), 9);
    const w = randInt(rng, Math.max(r - 2 * ph, 1), 9);
    check(t, { n: randInt(rng, 1, 2), c: randInt(rng, 1, 4), h, w, k: randInt(rng, 1, 6), r, s: r, sh, sw: sh, ph, pw: ph, bias: rng() < 0.5 }, 200 + i);
  }
  t.end();
});

// Shapes past the micro-tile and cache blocks (M > 128, K = C*R*S > 640, N > 768), checked against
// exact float64 gradients rather than finite differences (faster, just as strict).
t.test('conv2d across GEMM blocking edges matches exact reference gradients', (t) => {
  const cases: Case[] = [
    { n: 2, c: 30, h: 13, w: 11, k: 137, r: 3, s: 3, sh: 1, sw: 1, ph: 1, pw: 1, bias: true },
    { n: 1, c: 3, h: 37, w: 29, k: 10, r: 3, s: 3, sh: 1, sw: 1, ph: 1, pw: 1, bias: true },
    { n: 2, c: 17, h: 15, w: 14, k: 19, r: 3, s: 3, sh: 2, sw: 2, ph: 1, pw: 1, bias: false },
    { n: 2, c: 75, h: 9, w: 8, k: 20, r: 3, s: 3, sh: 1, sw: 1, ph: 1, pw: 1, bias: true },
    // Big enough to run on several threads: the output is split into bands of rows (each
    // band's planes copied by the thread that computes it), with several tiles per band.
    { n: 1, c: 8, h: 70, w: 69, k: 16, r: 3, s: 3, sh: 1, sw: 1, ph: 1, pw: 1, bias: true },
    { n: 1, c: 6, h: 71, w: 66, k: 12, r: 3, s: 3, sh: 2, sw: 2, ph: 1, pw: 1, bias: false },
    { n: 1, c: 5, h: 40, w: 44, k: 9, r: 5, s: 5, sh: 1, sw: 1, ph: 2, pw: 2, bias: true },
    // Wide rows of many channels: each thread walks its rows in several bands.
    { n: 2, c: 40, h: 12, w: 100, k: 24, r: 3, s: 3, sh: 1, sw: 1, ph: 1, pw: 1, bias: false },
    // A small image of many channels: the threads split the output channels instead of rows.
    { n: 1, c: 64, h: 14, w: 14, k: 48, r: 3, s: 3, sh: 1, sw: 1, ph: 1, pw: 1, bias: true },
    // One output row: the output channels are split over the threads instead.
    { n: 1, c: 64, h: 1, w: 200, k: 64, r: 3, s: 3, sh: 1, sw: 1, ph: 1, pw: 1, bias: true },
    // Grid rows share their zero border (a read past a row's end lands in the next row's left
    // border): small planes, uneven horizontal padding, and a wide, flat kernel.
    { n: 2, c: 24, h: 8, w: 8, k: 40, r: 3, s: 3, sh: 1, sw: 1, ph: 1, pw: 1, bias: true },
    { n: 2, c: 5, h: 9, w: 7, k: 6, r: 3, s: 3, sh: 1, sw: 1, ph: 0, pw: 2, bias: false },
    { n: 1, c: 4, h: 6, w: 11, k: 7, r: 1, s: 5, sh: 1, sw: 1, ph: 0, pw: 1, bias: true },
  ];
  cases.forEach((cs, i) => {
    const rng = seededRandom(300 + i);
    const x = randTensor(rng, [cs.n, cs.c, cs.h, cs.w], { requiresGrad: true });
    const w = randTensor(rng, [cs.k, cs.c, cs.r, cs.s], { requiresGrad: true, scale: 0.2 });
    const b = cs.bias ? randTensor(rng, [cs.k], { requiresGrad: true }) : null;
    const y = conv2d(x, w, b, { stride: [cs.sh, cs.sw], padding: [cs.ph, cs.pw] });
    const [P, Q] = convOut(cs);
    t.same([...y.shape], [cs.n, cs.k, P, Q], 'output shape');
    assertClose(t, y.data, convForwardRef(cs, x.data, w.data, b ? b.data : null), { atol: 1e-4, rtol: 1e-4 }, `case ${i} forward`);
    const dy = randArray(rng, y.numel);
    y.backward(Tensor.from(dy, [...y.shape]));
    const ref = convBackwardRef(cs, x.data, w.data, dy);
    assertClose(t, x.grad!.data, ref.dx, { atol: 1e-4, rtol: 1e-4 }, `case ${i} dx`);
    assertClose(t, w.grad!.data, ref.dw, { atol: 1e-3, rtol: 1e-4 }, `case ${i} dw`);
    if (b) assertClose(t, b.grad!.data, ref.db, { atol: 1e-3, rtol: 1e-4 }, `case ${i} db`);
  });
  t.end();
});

t.test('conv2d gradients only flow where asked', (t) => {
  const rng = seededRandom(5);
  const x = randTensor(rng, [1, 2, 5, 5]);
  const w = randTensor(rng, [3, 2, 3, 3], { requiresGrad: true });
  const y = conv2d(x, w, null, { padding: 1 });
  y.backward(Tensor.ones([...y.shape]));
  t.equal(x.grad, null, 'no gradient for x');
  t.ok(w.grad, 'gradient for weight');
  const y2 = conv2d(x, w.detach());
  t.equal(y2.requiresGrad, false, 'no tape without grad inputs');
  t.end();
});

t.test('conv2d is traced with its resolved options', (t) => {
  const rng = seededRandom(6);
  const x = randTensor(rng, [1, 2, 6, 6]);
  const w = randTensor(rng, [3, 2, 3, 3]);
  const ops: TracedOp[] = [];
  withTracer((op) => ops.push(op), () => conv2d(x, w, null, { stride: 2, padding: [1, 0] }));
  t.equal(ops.length, 1);
  t.equal(ops[0].op, 'conv2d');
  t.same(ops[0].attrs, { stride: [2, 2], padding: [1, 0] });
  t.equal(ops[0].inputs[2], null, 'absent bias is null');
  t.end();
});

t.test('conv2d rejects bad input with exact messages', (t) => {
  const x = Tensor.zeros([1, 2, 5, 5]);
  const w = Tensor.zeros([3, 2, 3, 3]);
  t.throws(() => conv2d(new Float32Array(4) as unknown as Tensor, w), new TypeError('Expected a Tensor for x but received Float32Array(4)'));
  t.throws(() => conv2d(x, null as unknown as Tensor), new TypeError('Expected a Tensor for weight but received null'));
  t.throws(() => conv2d(Tensor.zeros([2, 5, 5]), w), new RangeError('Expected a rank-4 tensor (N,C,H,W) for x but received shape [2, 5, 5]'));
  t.throws(() => conv2d(x, Tensor.zeros([3, 2, 3])), new RangeError('Expected a rank-4 tensor (N,C,H,W) for weight but received shape [3, 2, 3]'));
  t.throws(() => conv2d(x, Tensor.zeros([3, 4, 3, 3])), new RangeError('Expected a weight with 2 input channels (the channels of x) for weight but received shape [3, 4, 3, 3]'));
  t.throws(() => conv2d(x, w, Tensor.zeros([2])), new RangeError('Expected shape [3] for bias but received shape [2]'));
  t.throws(() => conv2d(x, w, 'b' as unknown as Tensor), new TypeError('Expected a Tensor for bias but received "b"'));
  t.throws(() => conv2d(x, w, null, { stride: 0 }), new RangeError('Expected integers >= 1 for options.stride but received 0'));
  t.throws(() => conv2d(x, w, null, { stride: [1, 1.5] as [number, number] }), new TypeError('Expected an integer or [h, w] integers for options.stride but received an array of length 2'));
  t.throws(() => conv2d(x, w, null, { padding: -1 }), new RangeError('Expected integers >= 0 for options.padding but received -1'));
  t.throws(() => conv2d(x, w, null, { padding: [1, 2, 3] as unknown as [number, number] }), new TypeError('Expected an integer or [h, w] integers for options.padding but received an array of length 3'));
  t.throws(() => conv2d(x, w, null, 3 as unknown as object), new TypeError('Expected an options object for options but received 3'));
  t.throws(() => conv2d(Tensor.zeros([1, 2, 2, 2]), w), new RangeError('Expected a kernel no larger than the padded input 2x2 of x for weight but received shape [3, 2, 3, 3]'));
  const cudaLike = fakeCudaTensor([3, 2, 3, 3]);
  t.throws(() => conv2d(x, cudaLike), new TypeError('Expected a tensor on cpu (the device of x) for weight but received a tensor on cuda'));
  t.end();
});

t.test('stale scratch from an earlier NaN input never leaks into a later gradient', (t) => {
  const rng = seededRandom(41);
  // Fill the per-thread band scratch with NaN planes...
  const poison = Tensor.from(new Float32Array(4 * 20 * 20).fill(NaN), [1, 4, 20, 20]);
  conv2d(poison, randTensor(rng, [4, 4, 3, 3]), null, { padding: 1 });
  // ...then a smaller conv whose band ends inside that region: its dropped grid columns read
  // past the band, where only zeros may be.
  const cs: Case = { n: 1, c: 2, h: 6, w: 6, k: 3, r: 3, s: 3, sh: 1, sw: 1, ph: 1, pw: 1, bias: false };
  const x = randTensor(rng, [1, 2, 6, 6]);
  const w = randTensor(rng, [3, 2, 3, 3], { requiresGrad: true });
  const y = conv2d(x, w, null, { padding: 1 });
  const dy = randArray(rng, y.numel);
  y.backward(Tensor.from(dy, [...y.shape]));
  assertClose(t, w.grad!.data, convBackwardRef(cs, x.data, w.data, dy).dw, { atol: 1e-4, rtol: 1e-4 }, 'dw finite and exact');
  t.end();
});
