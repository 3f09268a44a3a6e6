import t from 'tap';
import { Tensor } from '../lib/tensor';
import { conv2d } from '../lib/ops/conv';
import { featureTransfer } from '../lib/ops/feature-transfer';
import { withTracer, TracedOp } from '../lib/trace';
import { fakeCudaTensor } from './support/fake-device';
import { assertClose, gradCheck, randArray, randTensor, seededRandom } from './support/check';
import { convForwardRef } from './support/conv-reference';

// Concatenates (N, C_i, H, W) sources along channels, by hand (the op must not need this).
function concatChannels(xs: Float32Array[] | Float64Array[], channels: number[], n: number, hw: number): Float64Array {
  const total = channels.reduce((a, c) => a + c, 0);
  const out = new Float64Array(n * total * hw);
  for (let b = 0; b < n; b++) {
    let c0 = 0;
    xs.forEach((x, i) => {
      for (let c = 0; c < channels[i]; c++)
        for (let p = 0; p < hw; p++) out[(b * total + c0 + c) * hw + p] = x[(b * channels[i] + c) * hw + p];
      c0 += channels[i];
    });
  }
  return out;
}

interface Case { n: number; channels: number[]; h: number; w: number; k: number; r: number; stride: number; padding: number; bias: boolean }

const cases: Case[] = [
  { n: 1, channels: [2, 3], h: 6, w: 7, k: 4, r: 3, stride: 1, padding: 1, bias: true },
  { n: 2, channels: [1, 4, 2], h: 7, w: 5, k: 3, r: 3, stride: 2, padding: 1, bias: false },
  { n: 2, channels: [3, 1], h: 5, w: 5, k: 5, r: 1, stride: 1, padding: 0, bias: true },
  { n: 1, channels: [2, 2, 3], h: 9, w: 8, k: 2, r: 5, stride: 2, padding: 2, bias: true },
  { n: 2, channels: [20, 13, 9], h: 12, w: 11, k: 21, r: 3, stride: 1, padding: 1, bias: true },
];

t.test('featureTransfer equals conv2d of the concatenation, in value and every gradient', (t) => {
  cases.forEach((cs, ci) => {
    const rng = seededRandom(50 + ci);
    const hw = cs.h * cs.w;
    const xs = cs.channels.map((c) => randTensor(rng, [cs.n, c, cs.h, cs.w], { requiresGrad: true }));
    const total = cs.channels.reduce((a, c) => a + c, 0);
    const w = randTensor(rng, [cs.k, total, cs.r, cs.r], { requiresGrad: true, scale: 0.3 });
    const b = cs.bias ? randTensor(rng, [cs.k], { requiresGrad: true }) : null;
    const opts = { stride: cs.stride, padding: cs.padding };
    const y = featureTransfer(xs, w, b, opts);

    const cat = Tensor.from(Float32Array.from(concatChannels(xs.map((x) => x.data), cs.channels, cs.n, hw)), [cs.n, total, cs.h, cs.w], { requiresGrad: true });
    const w2 = Tensor.from(w.data, [...w.shape], { requiresGrad: true });
    const b2 = b ? Tensor.from(b.data, [...b.shape], { requiresGrad: true }) : null;
    const y2 = conv2d(cat, w2, b2, opts);
    t.same([...y.shape], [...y2.shape], `case ${ci} shape`);
    assertClose(t, y.data, y2.data, { atol: 1e-5, rtol: 1e-5 }, `case ${ci} forward`);

    const dy = randArray(rng, y.numel);
    y.backward(Tensor.from(dy, [...y.shape]));
    y2.backward(Tensor.from(dy, [...y2.shape]));
    let c0 = 0;
    xs.forEach((x, i) => {
      const slice = new Float64Array(x.numel);
      for (let nb = 0; nb < cs.n; nb++)
        for (let c = 0; c < cs.channels[i]; c++)
          for (let p = 0; p < hw; p++) slice[(nb * cs.channels[i] + c) * hw + p] = cat.grad!.data[(nb * total + c0 + c) * hw + p];
      c0 += cs.channels[i];
      assertClose(t, x.grad!.data, slice, { atol: 1e-5, rtol: 1e-5 }, `case ${ci} d/d xs[${i}]`);
    });
    assertClose(t, w.grad!.data, w2.grad!.data, { atol: 1e-4, rtol: 1e-5 }, `case ${ci} d/d weight`);
    if (b) assertClose(t, b.grad!.data, b2!.grad!.data, { atol: 1e-4, rtol: 1e-5 }, `case ${ci} d/d bias`);
  });
  t.end();
});

t.test('featureTransfer against the float64 reference and finite differences', (t) => {
  cases.slice(0, 4).forEach((cs, ci) => {
    const rng = seededRandom(80 + ci);
    const total = cs.channels.reduce((a, c) => a + c, 0);
    const xs = cs.channels.map((c) => randTensor(rng, [cs.n, c, cs.h, cs.w], { requiresGrad: true }));
    const w = randTensor(rng, [cs.k, total, cs.r, cs.r], { requiresGrad: true, scale: 0.5 });
    const b = cs.bias ? [randTensor(rng, [cs.k], { requiresGrad: true })] : [];
    const m = xs.length;
    const g = { n: cs.n, c: total, h: cs.h, w: cs.w, k: cs.k, r: cs.r, s: cs.r, sh: cs.stride, sw: cs.stride, ph: cs.padding, pw: cs.padding };
    gradCheck(t, {
      what: `featureTransfer case ${ci}`,
      inputs: [...xs, w, ...b],
      run: (ins) => featureTransfer(ins.slice(0, m), ins[m], ins[m + 1] ?? null, { stride: cs.stride, padding: cs.padding }),
      reference: (ins) => convForwardRef(g, concatChannels(ins.slice(0, m), cs.channels, cs.n, cs.h * cs.w), ins[m], ins[m + 1] ?? null),
      gradTol: { atol: 2e-3, rtol: 2e-3 },
      maxChecks: 16,
      seed: ci,
    });
  });
  t.end();
});

t.test('featureTransfer only computes the gradients that are needed', (t) => {
  const rng = seededRandom(9);
  const a = randTensor(rng, [1, 2, 4, 4]);
  const b = randTensor(rng, [1, 3, 4, 4], { requiresGrad: true });
  const w = randTensor(rng, [2, 5, 3, 3]);
  const y = featureTransfer([a, b], w, null, { padding: 1 });
  y.backward(Tensor.ones([...y.shape]));
  t.equal(a.grad, null);
  t.ok(b.grad);
  t.equal(w.grad, null);
  t.end();
});

t.test('the gradients that are computed equal conv2d(concat) slices when a source needs none', (t) => {
  const rng = seededRandom(19);
  const channels = [3, 4, 5];
  const [n, h, w] = [2, 11, 9];
  for (const stride of [1, 2]) {
    const xs = channels.map((c, i) => randTensor(rng, [n, c, h, w], { requiresGrad: i !== 1 }));
    const wt = randTensor(rng, [6, 12, 3, 3], { scale: 0.3 });
    const y = featureTransfer(xs, wt, null, { stride, padding: 1 });
    const dy = randArray(rng, y.numel);
    y.backward(Tensor.from(dy, [...y.shape]));
    const cat = Tensor.from(Float32Array.from(concatChannels(xs.map((x) => x.data), channels, n, h * w)), [n, 12, h, w], { requiresGrad: true });
    conv2d(cat, wt, null, { stride, padding: 1 }).backward(Tensor.from(dy, [...y.shape]));
    t.equal(xs[1].grad, null, `stride ${stride}: no gradient for the middle source`);
    let c0 = 0;
    channels.forEach((c, i) => {
      if (i !== 1) {
        const ref = new Float32Array(n * c * h * w);
        for (let b = 0; b < n; b++) ref.set(cat.grad!.data.subarray((b * 12 + c0) * h * w, (b * 12 + c0 + c) * h * w), b * c * h * w);
        assertClose(t, xs[i].grad!.data, ref, { atol: 1e-5, rtol: 1e-5 }, `stride ${stride}: source ${i} gradient`);
      }
      c0 += c;
    });
  }
  t.end();
});

t.test('featureTransfer is traced with its sources, weight, bias and options', (t) => {
  const rng = seededRandom(10);
  const xs = [randTensor(rng, [1, 2, 4, 4]), randTensor(rng, [1, 1, 4, 4])];
  const w = randTensor(rng, [2, 3, 3, 3]);
  const ops: TracedOp[] = [];
  withTracer((op) => ops.push(op), () => featureTransfer(xs, w, null, { padding: 1 }));
  t.equal(ops[0].op, 'featureTransfer');
  t.equal(ops[0].inputs.length, 4);
  t.same(ops[0].attrs, { stride: [1, 1], padding: [1, 1] });
  t.end();
});

t.test('featureTransfer rejects bad input with exact messages', (t) => {
  const a = Tensor.zeros([1, 2, 5, 5]);
  const b = Tensor.zeros([1, 3, 5, 5]);
  const w = Tensor.zeros([4, 5, 3, 3]);
  t.throws(() => featureTransfer([], w), new TypeError('Expected a non-empty array of tensors for xs but received an array of length 0'));
  t.throws(() => featureTransfer(a as unknown as Tensor[], w), new TypeError('Expected a non-empty array of tensors for xs but received a tensor of shape [1, 2, 5, 5] on cpu'));
  t.throws(() => featureTransfer([a, 3 as unknown as Tensor], w), new TypeError('Expected a Tensor for xs[1] but received 3'));
  t.throws(() => featureTransfer([a, Tensor.zeros([3, 5, 5])], w), new RangeError('Expected a rank-4 tensor (N,C,H,W) for xs[1] but received shape [3, 5, 5]'));
  t.throws(() => featureTransfer([a, Tensor.zeros([1, 3, 5, 4])], w), new RangeError('Expected shape [1, C, 5, 5] (the batch and size of xs[0]) for xs[1] but received shape [1, 3, 5, 4]'));
  t.throws(() => featureTransfer([a, Tensor.zeros([2, 3, 5, 5])], w), new RangeError('Expected shape [1, C, 5, 5] (the batch and size of xs[0]) for xs[1] but received shape [2, 3, 5, 5]'));
  t.throws(() => featureTransfer([a, b], Tensor.zeros([4, 4, 3, 3])), new RangeError('Expected a weight with 5 input channels (the channels of all xs) for weight but received shape [4, 4, 3, 3]'));
  t.throws(() => featureTransfer([a, b], w, Tensor.zeros([5])), new RangeError('Expected shape [4] for bias but received shape [5]'));
  t.throws(() => featureTransfer([a, b], w, null, { stride: -1 }), new RangeError('Expected integers >= 1 for options.stride but received -1'));
  const cudaLike = fakeCudaTensor([1, 3, 5, 5]);
  t.throws(() => featureTransfer([a, cudaLike], w), new TypeError('Expected a tensor on cpu (the device of xs[0]) for xs[1] but received a tensor on cuda'));
  t.end();
});
