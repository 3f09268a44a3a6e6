// batchNorm2d: forward and gradients against a float64 reference (training and eval),
// running-statistics updates by hand, tracing, and exact error messages.
import t from 'tap';
import { Tensor } from '../lib/tensor';
import { batchNorm2d } from '../lib/ops/norm';
import { withTracer, TracedOp } from '../lib/trace';
import { fakeCudaTensor } from './support/fake-device';
import { assertClose, gradCheck, randInt, randTensor, seededRandom } from './support/check';

// Float64 reference: y = (x - mean) / sqrt(var + eps) * w + b per channel, with the batch's
// mean and biased variance in training mode, or the given running statistics in eval mode.
function batchNormReference(
  x: Float64Array, shape: number[], w: Float64Array | null, b: Float64Array | null,
  runningMean: ArrayLike<number>, runningVar: ArrayLike<number>, training: boolean, eps: number,
): Float64Array {
  const [n, c, h, wd] = shape;
  const hw = h * wd;
  const y = new Float64Array(x.length);
  for (let ch = 0; ch < c; ch++) {
    let mean = runningMean[ch];
    let variance = runningVar[ch];
    if (training) {
      let s = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < hw; j++) s += x[(i * c + ch) * hw + j];
      mean = s / (n * hw);
      let v = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < hw; j++) v += (x[(i * c + ch) * hw + j] - mean) ** 2;
      variance = v / (n * hw);
    }
    const inv = 1 / Math.sqrt(variance + eps);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < hw; j++) {
        const k = (i * c + ch) * hw + j;
        y[k] = (x[k] - mean) * inv * (w ? w[ch] : 1) + (b ? b[ch] : 0);
      }
    }
  }
  return y;
}

function positive(rng: () => number, c: number): Tensor {
  const v = new Float32Array(c);
  for (let i = 0; i < c; i++) v[i] = 0.5 + rng();
  return Tensor.from(v, [c]);
}

t.test('batchNorm2d forward and gradients match the float64 reference', (t) => {
  const rng = seededRandom(7);
  const shapes = [[1, 1, 1, 2], [1, 3, 5, 7], [2, 5, 3, 3], [3, 2, 1, 1], [1, 1, 100, 101], [2, 4, 9, 1]];
  for (let trial = 0; trial < 4; trial++) {
    shapes.push([randInt(rng, 1, 3), randInt(rng, 1, 6), randInt(rng, 1, 9), randInt(rng, 2, 9)]);
  }
  for (const shape of shapes) {
    const [, c] = shape;
    for (const training of [true, false]) {
      for (const affine of [true, false]) {
        const x = randTensor(rng, shape, { requiresGrad: true, scale: 2 });
        // An offset mean checks the variance is computed without cancellation.
        for (let i = 0; i < x.numel; i++) x.data[i] += 3;
        const w = affine ? randTensor(rng, [c], { requiresGrad: true }) : null;
        const b = affine ? randTensor(rng, [c], { requiresGrad: true }) : null;
        const rm = randTensor(rng, [c]);
        const rv = positive(rng, c);
        const eps = 1e-5;
        const inputs = [x, ...(w && b ? [w, b] : [])];
        gradCheck(t, {
          what: `batchNorm2d ${training ? 'train' : 'eval'} ${affine ? 'affine' : 'plain'} [${shape}]`,
          inputs,
          run: ([xi, wi, bi]) => batchNorm2d(xi, rm.clone(), rv.clone(), wi ?? null, bi ?? null, { training, eps }),
          reference: ([xi, wi, bi]) => batchNormReference(xi, shape, wi ?? null, bi ?? null, rm.data, rv.data, training, eps),
          forwardTol: { atol: 1e-4, rtol: 1e-4 },
          gradTol: { atol: 2e-3, rtol: 2e-3 },
          maxChecks: 24,
        });
      }
    }
  }
  t.end();
});

t.test('batchNorm2d updates the running statistics in training mode only', (t) => {
  // One channel, values 1, 2, 3, 4: mean 2.5, biased variance 1.25, unbiased 5/3.
  const x = Tensor.from(new Float32Array([1, 2, 3, 4]), [2, 1, 1, 2]);
  const rm = Tensor.from(new Float32Array([0]), [1]);
  const rv = Tensor.from(new Float32Array([1]), [1]);
  const y = batchNorm2d(x, rm, rv, null, null, { training: true, momentum: 0.1, eps: 0 });
  assertClose(t, rm.data, [0.25], { atol: 1e-7, rtol: 1e-6 }, 'running mean = 0.9*0 + 0.1*2.5');
  assertClose(t, rv.data, [0.9 + 0.1 * (5 / 3)], { atol: 1e-7, rtol: 1e-6 }, 'running var = 0.9*1 + 0.1*5/3 (unbiased)');
  const s = Math.sqrt(1.25);
  assertClose(t, y.data, [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], { atol: 1e-6, rtol: 1e-6 }, 'normalised with the biased variance');

  batchNorm2d(x, rm, rv, null, null, { training: true, momentum: 0.5, eps: 0 });
  assertClose(t, rm.data, [0.5 * 0.25 + 0.5 * 2.5], { atol: 1e-6, rtol: 1e-6 }, 'second update, momentum 0.5');
  assertClose(t, rv.data, [0.5 * (0.9 + 0.1 * (5 / 3)) + 0.5 * (5 / 3)], { atol: 1e-6, rtol: 1e-6 }, 'second var update');

  const before = [rm.data[0], rv.data[0]];
  const ye = batchNorm2d(x, rm, rv, null, null, { training: false, eps: 0 });
  t.same([rm.data[0], rv.data[0]], before, 'eval leaves the running statistics alone');
  const expected = [1, 2, 3, 4].map((v) => (v - before[0]) / Math.sqrt(before[1]));
  assertClose(t, ye.data, expected, { atol: 1e-6, rtol: 1e-6 }, 'eval normalises with the running statistics');

  // Random multi-channel case against the float64 formula.
  const rng = seededRandom(3);
  const shape = [3, 4, 5, 3];
  const xr = randTensor(rng, shape, { scale: 3 });
  const rm2 = randTensor(rng, [4]);
  const rv2 = positive(rng, 4);
  const m0 = Float64Array.from(rm2.data);
  const v0 = Float64Array.from(rv2.data);
  batchNorm2d(xr, rm2, rv2, null, null, { training: true, momentum: 0.3 });
  const m = 3 * 15;
  const wantMean: number[] = [];
  const wantVar: number[] = [];
  for (let c = 0; c < 4; c++) {
    const vals: number[] = [];
    for (let n = 0; n < 3; n++) for (let j = 0; j < 15; j++) vals.push(xr.data[(n * 4 + c) * 15 + j]);
    const mean = vals.reduce((a, v) => a + v, 0) / m;
    const unbiased = vals.reduce((a, v) => a + (v - mean) ** 2, 0) / (m - 1);
    wantMean.push(0.7 * m0[c] + 0.3 * mean);
    wantVar.push(0.7 * v0[c] + 0.3 * unbiased);
  }
  assertClose(t, rm2.data, wantMean, { atol: 1e-6, rtol: 1e-5 }, 'running means, 4 channels');
  assertClose(t, rv2.data, wantVar, { atol: 1e-6, rtol: 1e-5 }, 'running variances, 4 channels');
  t.end();
});

t.test('batchNorm2d without running buffers in training mode, and gradient bookkeeping', (t) => {
  const rng = seededRandom(11);
  const x = randTensor(rng, [2, 3, 4, 4]);
  const y = batchNorm2d(x, null, null, null, null, { training: true });
  t.equal(y.requiresGrad, false, 'no tape when nothing needs a gradient');
  const w = randTensor(rng, [3], { requiresGrad: true });
  const y2 = batchNorm2d(x, null, null, w, null, { training: true });
  t.equal(y2.requiresGrad, true);
  y2.backward(Tensor.ones([2, 3, 4, 4]));
  t.ok(w.grad, 'weight gets a gradient');
  t.equal(x.grad, null, 'x did not ask for one');
  t.end();
});

t.test('batchNorm2d is traced with its running buffers and options', (t) => {
  const x = Tensor.ones([1, 2, 2, 2]);
  const rm = Tensor.zeros([2]);
  const rv = Tensor.ones([2]);
  const w = Tensor.ones([2]);
  const ops: TracedOp[] = [];
  withTracer((op) => ops.push(op), () => batchNorm2d(x, rm, rv, w, null, { training: false }));
  t.equal(ops.length, 1);
  t.equal(ops[0].op, 'batchNorm2d');
  t.same(ops[0].inputs, [x, rm, rv, w, null]);
  t.same(ops[0].attrs, { training: false, momentum: 0.1, eps: 1e-5 });
  t.end();
});

t.test('batchNorm2d rejects bad input with exact messages', (t) => {
  const x = Tensor.zeros([2, 3, 4, 4]);
  const c3 = Tensor.ones([3]);
  t.throws(() => batchNorm2d(new Float32Array(4) as unknown as Tensor, c3, c3, null, null), new TypeError('Expected a Tensor for x but received Float32Array(4)'));
  t.throws(() => batchNorm2d(Tensor.zeros([2, 3, 4]), c3, c3, null, null), new RangeError('Expected a rank-4 tensor (N,C,H,W) for x but received shape [2, 3, 4]'));
  t.throws(() => batchNorm2d(x, c3, c3, Tensor.ones([4]), null), new RangeError('Expected shape [3] for weight but received shape [4]'));
  t.throws(() => batchNorm2d(x, c3, c3, null, Tensor.ones([1, 3])), new RangeError('Expected shape [3] for bias but received shape [1, 3]'));
  t.throws(() => batchNorm2d(x, Tensor.ones([2]), c3, null, null), new RangeError('Expected shape [3] for runningMean but received shape [2]'));
  t.throws(() => batchNorm2d(x, null, c3, null, null), new TypeError('Expected a Tensor (eval mode normalises with the running statistics) for runningMean but received null'));
  t.throws(() => batchNorm2d(x, c3, null, null, null, { training: false }), new TypeError('Expected a Tensor (eval mode normalises with the running statistics) for runningVar but received null'));
  t.throws(() => batchNorm2d(x, c3, null, null, null, { training: true }), new TypeError('Expected a Tensor (runningMean and runningVar are given together) for runningVar but received null'));
  t.throws(() => batchNorm2d(Tensor.zeros([1, 3, 1, 1]), c3, c3, null, null, { training: true }), new RangeError('Expected more than 1 value per channel in training mode for x but received shape [1, 3, 1, 1]'));
  t.throws(() => batchNorm2d(x, c3, c3, null, null, { momentum: 2 }), new RangeError('Expected a number from 0 to 1 for options.momentum but received 2'));
  t.throws(() => batchNorm2d(x, c3, c3, null, null, { eps: -1 }), new RangeError('Expected a number from 0 to Infinity for options.eps but received -1'));
  t.throws(() => batchNorm2d(x, c3, c3, null, null, { training: 'yes' as unknown as boolean }), new TypeError('Expected a boolean for options.training but received "yes"'));
  t.throws(() => batchNorm2d(x, c3, c3, null, null, 5 as unknown as object), new TypeError('Expected an options object for options but received 5'));
  t.throws(() => batchNorm2d(x, [1, 2, 3] as unknown as Tensor, c3, null, null), new TypeError('Expected a Tensor for runningMean but received an array of length 3'));
  t.end();
});

t.test('batchNorm2d lets NaN through', (t) => {
  const x = Tensor.from(new Float32Array([1, NaN, 3, 4]), [1, 1, 2, 2]);
  const y = batchNorm2d(x, null, null, null, null, { training: true });
  t.ok(Number.isNaN(y.data[0]), 'a NaN in the batch makes the statistics NaN');
  t.end();
});

t.test('batchNorm2d rejects tensors on different devices', (t) => {
  const x = Tensor.zeros([2, 3, 4, 4]);
  const c3 = Tensor.ones([3]);
  t.throws(() => batchNorm2d(x, c3, c3, fakeCudaTensor([3]), null), new TypeError('Expected a tensor on cpu (the device of x) for weight but received a tensor on cuda'));
  t.throws(() => batchNorm2d(x, fakeCudaTensor([3]), c3, null, null), new TypeError('Expected a tensor on cpu (the device of x) for runningMean but received a tensor on cuda'));
  t.end();
});
