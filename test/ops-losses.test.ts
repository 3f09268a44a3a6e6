// Losses: forward and gradients against float64 references written from the definitions,
// hand-computed values, tracing, and exact error messages.
import t from 'tap';
import { Tensor } from '../lib/tensor';
import { noGrad } from '../lib/autograd';
import { softmaxCrossEntropy, bceWithLogits, diceLoss, focalLoss, l1Loss } from '../lib/ops/losses';
import { withTracer, TracedOp } from '../lib/trace';
import { fakeCudaTensor } from './support/fake-device';
import { assertClose, gradCheck, randInt, randTensor, seededRandom, Rng } from './support/check';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const scalar = (v: number): Float64Array => Float64Array.of(v);

// torch.nn.functional.cross_entropy(z, y, weight, label_smoothing=s), reduction 'mean'.
function crossEntropyReference(z: Float64Array, n: number, k: number, y: ArrayLike<number>, w: ArrayLike<number> | null, s: number): Float64Array {
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const row = Array.from(z.subarray(i * k, (i + 1) * k));
    const mx = Math.max(...row);
    const lse = mx + Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0));
    const logp = row.map((v) => v - lse);
    const wy = w ? w[y[i]] : 1;
    num += (1 - s) * wy * -logp[y[i]];
    for (let j = 0; j < k; j++) num += (s / k) * (w ? w[j] : 1) * -logp[j];
    den += wy;
  }
  return scalar(num / den);
}

function randomTargets(rng: Rng, n: number, k: number): number[] {
  return Array.from({ length: n }, () => randInt(rng, 0, k - 1));
}

function randomBinary(rng: Rng, shape: number[], p = 0.3): Tensor {
  const n = shape.reduce((a, s) => a * s, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng() < p ? 1 : 0;
  return Tensor.from(v, shape);
}

function randomShape(rng: Rng): number[] {
  return [randInt(rng, 1, 3), randInt(rng, 1, 3), randInt(rng, 1, 9), randInt(rng, 1, 9)];
}

const gradTol = { atol: 1e-4, rtol: 2e-3 };

t.test('softmaxCrossEntropy matches torch semantics (weights, label smoothing)', (t) => {
  const rng = seededRandom(21);
  for (const [n, k] of [[1, 2], [4, 3], [7, 5], [3, 1], [130, 11]]) {
    for (const withWeight of [false, true]) {
      for (const s of [0, 0.1]) {
        const logits = randTensor(rng, [n, k], { requiresGrad: true, scale: 4 });
        const y = randomTargets(rng, n, k);
        const weight = withWeight ? Tensor.from(Float32Array.from({ length: k }, () => 0.2 + rng()), [k]) : null;
        const targets = [y, Int32Array.from(y), Tensor.from(Float32Array.from(y), [n])][randInt(rng, 0, 2)];
        gradCheck(t, {
          what: `softmaxCrossEntropy (${n},${k}) weight=${withWeight} smoothing=${s}`,
          inputs: [logits],
          run: ([z]) => softmaxCrossEntropy(z, targets, { weight, labelSmoothing: s }),
          reference: ([z]) => crossEntropyReference(z, n, k, y, weight ? weight.data : null, s),
          gradTol,
        });
      }
    }
  }
  // Hand values: equal logits over K classes give log K; a confident right answer ~ 0.
  assertClose(t, softmaxCrossEntropy(Tensor.zeros([2, 4]), [0, 3]).data, [Math.log(4)], { atol: 1e-6, rtol: 1e-6 }, 'uniform logits');
  const big = Tensor.from(new Float32Array([1000, 0, -1000, 0]), [2, 2]);
  assertClose(t, softmaxCrossEntropy(big, [0, 1]).data, [0], { atol: 1e-6, rtol: 0 }, 'stable with huge logits, right answers');
  assertClose(t, softmaxCrossEntropy(big, [1, 0]).data, [1000], { atol: 1e-3, rtol: 1e-6 }, 'stable with huge logits, wrong answers');
  t.end();
});

t.test('bceWithLogits matches -[pw t log s + (1-t) log(1-s)], mean', (t) => {
  const rng = seededRandom(22);
  const shapes = [[5], [3, 4], [2, 3, 5, 7], [1, 1, 1, 1], randomShape(rng), [2, 2, 64, 65]];
  for (const shape of shapes) {
    const c = shape.length === 1 ? shape[0] : shape[1];
    const inner = shape.length === 1 ? 1 : shape.slice(2).reduce((a, s) => a * s, 1);
    for (const pwKind of ['none', 'number', 'tensor'] as const) {
      const logits = randTensor(rng, shape, { requiresGrad: true, scale: 5 });
      // Soft targets in [0, 1] exercise the general form.
      const targets = Tensor.from(Float32Array.from({ length: logits.numel }, () => rng()), shape);
      const pwValues = Float32Array.from({ length: c }, () => 0.5 + 2 * rng());
      const posWeight = pwKind === 'none' ? undefined : pwKind === 'number' ? 2.5 : Tensor.from(pwValues, [c]);
      gradCheck(t, {
        what: `bceWithLogits [${shape}] posWeight=${pwKind}`,
        inputs: [logits],
        run: ([x]) => bceWithLogits(x, targets, { posWeight }),
        reference: ([x]) => {
          let s = 0;
          for (let i = 0; i < x.length; i++) {
            const ch = Math.floor(i / inner) % c;
            const pw = pwKind === 'none' ? 1 : pwKind === 'number' ? 2.5 : pwValues[ch];
            const p = sigmoid(x[i]);
            const tv = targets.data[i];
            s += -(pw * tv * Math.log(p) + (1 - tv) * Math.log(1 - p));
          }
          return scalar(s / x.length);
        },
        gradTol,
      });
    }
  }
  const huge = Tensor.from(new Float32Array([200, -200]), [2]);
  const v = bceWithLogits(huge, Tensor.from(new Float32Array([0, 1]), [2])).data[0];
  assertClose(t, [v], [200], { atol: 1e-3, rtol: 1e-6 }, 'stable for |x| = 200');
  t.end();
});

function diceReference(x: Float64Array, tg: ArrayLike<number>, n: number, eps: number): Float64Array {
  const m = x.length / n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let inter = 0, ps = 0, ts = 0;
    for (let j = i * m; j < (i + 1) * m; j++) {
      const p = sigmoid(x[j]);
      inter += p * tg[j];
      ps += p;
      ts += tg[j];
    }
    total += 1 - (2 * inter + eps) / (ps + ts + eps);
  }
  return scalar(total / n);
}

t.test('diceLoss: soft Dice per image, mean over the batch', (t) => {
  const rng = seededRandom(23);
  const shapes = [[1, 1, 1, 1], [2, 1, 5, 7], [3, 2, 4, 3], randomShape(rng), [2, 1, 100, 90]];
  for (const shape of shapes) {
    for (const eps of [1, 1e-3]) {
      const logits = randTensor(rng, shape, { requiresGrad: true, scale: 3 });
      const targets = randomBinary(rng, shape);
      gradCheck(t, {
        what: `diceLoss [${shape}] eps=${eps}`,
        inputs: [logits],
        run: ([x]) => diceLoss(x, targets, { eps }),
        reference: ([x]) => diceReference(x, targets.data, shape[0], eps),
        gradTol,
      });
    }
  }
  // A perfect, confident prediction has a loss near 0; an empty target and prediction too.
  const perfect = Tensor.from(new Float32Array([20, -20, 20, -20]), [1, 1, 2, 2]);
  const v = diceLoss(perfect, Tensor.from(new Float32Array([1, 0, 1, 0]), [1, 1, 2, 2])).data[0];
  t.ok(v >= 0 && v < 1e-6, `perfect prediction: ${v}`);
  t.end();
});

function focalReference(x: Float64Array, tg: ArrayLike<number>, alpha: number, beta: number): Float64Array {
  let s = 0;
  let pos = 0;
  for (let i = 0; i < x.length; i++) {
    const p = Math.min(Math.max(sigmoid(x[i]), 1e-4), 1 - 1e-4);
    if (tg[i] === 1) {
      pos++;
      s += -((1 - p) ** alpha) * Math.log(p);
    } else {
      s += -((1 - tg[i]) ** beta) * p ** alpha * Math.log(1 - p);
    }
  }
  return scalar(s / Math.max(1, pos));
}

// A CenterNet-style heatmap: Gaussian bumps with exact 1 at each centre.
function heatmap(rng: Rng, shape: number[], peaks: number): Tensor {
  const [n, c, h, w] = shape;
  const v = new Float32Array(n * c * h * w);
  for (let img = 0; img < n * c; img++) {
    for (let k = 0; k < peaks; k++) {
      const cy = randInt(rng, 0, h - 1), cx = randInt(rng, 0, w - 1);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const g = Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / 4);
          const at = img * h * w + y * w + x;
          v[at] = Math.max(v[at], g);
        }
      }
      v[img * h * w + cy * w + cx] = 1;
    }
  }
  return Tensor.from(v, shape);
}

t.test('focalLoss: CenterNet penalty-reduced focal loss', (t) => {
  const rng = seededRandom(24);
  const cases: [number[], number, number, number][] = [
    [[1, 1, 5, 5], 1, 2, 4], [[2, 1, 7, 9], 2, 2, 4], [[2, 3, 4, 6], 1, 1.5, 3], [[1, 1, 3, 3], 0, 2, 4], [[2, 1, 96, 96], 3, 2, 4],
  ];
  for (const [shape, peaks, alpha, beta] of cases) {
    const logits = randTensor(rng, shape, { requiresGrad: true, scale: 4 });
    const target = heatmap(rng, shape, peaks);
    gradCheck(t, {
      what: `focalLoss [${shape}] peaks=${peaks} alpha=${alpha} beta=${beta}`,
      inputs: [logits],
      run: ([x]) => focalLoss(x, target, { alpha, beta }),
      reference: ([x]) => focalReference(x, target.data, alpha, beta),
      gradTol,
    });
  }
  // Clamped probabilities: loss of a saturated wrong positive is -log(1e-4); gradient 0.
  const x = Tensor.from(new Float32Array([-30]), [1, 1, 1, 1], { requiresGrad: true });
  const loss = focalLoss(x, Tensor.ones([1, 1, 1, 1]));
  assertClose(t, loss.data, [-((1 - 1e-4) ** 2) * Math.log(1e-4)], { atol: 1e-5, rtol: 1e-5 }, 'clamped at 1e-4');
  loss.backward();
  t.equal(x.grad!.data[0], 0, 'no gradient through the clamp');
  // Infinite logits land on the clamp too: finite loss, zero gradient.
  const inf = Tensor.from(new Float32Array([-Infinity, Infinity, 0, 0]), [1, 1, 2, 2], { requiresGrad: true });
  const infLoss = focalLoss(inf, Tensor.from(new Float32Array([1, 0, 0.5, 0]), [1, 1, 2, 2]));
  const clampTerm = -((1 - 1e-4) ** 2) * Math.log(1e-4);
  const halfTerm = -(0.5 ** 4) * 0.25 * Math.log(0.5) - 0.25 * Math.log(0.5);
  assertClose(t, infLoss.data, [2 * clampTerm + halfTerm], { atol: 1e-4, rtol: 1e-5 }, 'infinite logits are clamped');
  infLoss.backward();
  t.same([...inf.grad!.data.subarray(0, 2)], [0, 0], 'no gradient at infinite logits');
  t.end();
});

function l1Reference(p: Float64Array, tg: ArrayLike<number>, mask: ArrayLike<number> | null, shape: number[], maskC: number): Float64Array {
  if (!mask) {
    let s = 0;
    for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - tg[i]);
    return scalar(s / p.length);
  }
  const [n, c, h, w] = shape;
  let s = 0, m = 0;
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let j = 0; j < h * w; j++) {
    const at = (i * c + ch) * h * w + j;
    const mv = mask[(i * maskC + (maskC === 1 ? 0 : ch)) * h * w + j];
    s += Math.abs(p[at] - tg[at]) * mv;
    m += mv;
  }
  return scalar(s / Math.max(1, m));
}

t.test('l1Loss: masked mean absolute error, mask broadcast over channels', (t) => {
  const rng = seededRandom(25);
  const shapes = [[1, 2, 3, 3], [2, 2, 5, 4], [3, 1, 4, 7], randomShape(rng), [2, 2, 80, 70]];
  for (const shape of shapes) {
    for (const maskKind of ['none', 'broadcast', 'full', 'empty'] as const) {
      const pred = randTensor(rng, shape, { requiresGrad: true, scale: 2 });
      const target = randTensor(rng, shape, { scale: 2 });
      const maskC = maskKind === 'full' ? shape[1] : 1;
      const maskShape = [shape[0], maskC, shape[2], shape[3]];
      const mask = maskKind === 'none' ? null : randomBinary(rng, maskShape, maskKind === 'empty' ? 0 : 0.2);
      gradCheck(t, {
        what: `l1Loss [${shape}] mask=${maskKind}`,
        inputs: [pred],
        run: ([p]) => l1Loss(p, target, mask),
        reference: ([p]) => l1Reference(p, target.data, mask ? mask.data : null, shape, maskC),
        gradTol,
      });
    }
  }
  // Hand value: two channels, one masked pixel: (|1-0| + |3-1|) / 2.
  const pred = Tensor.from(new Float32Array([1, 5, 3, 5]), [1, 2, 1, 2]);
  const target = Tensor.from(new Float32Array([0, 0, 1, 0]), [1, 2, 1, 2]);
  const mask = Tensor.from(new Float32Array([1, 0]), [1, 1, 1, 2]);
  assertClose(t, l1Loss(pred, target, mask).data, [1.5], { atol: 1e-7, rtol: 0 }, 'one masked pixel, 2 channels');
  assertClose(t, l1Loss(pred, target).data, [(1 + 5 + 2 + 5) / 4], { atol: 1e-7, rtol: 0 }, 'plain mean');
  t.end();
});

t.test('losses are scalars [1], traced, and skip the gradient when none is needed', (t) => {
  const rng = seededRandom(26);
  const logits = randTensor(rng, [2, 1, 4, 4], { requiresGrad: true });
  const target = randomBinary(rng, [2, 1, 4, 4]);
  const ops: TracedOp[] = [];
  withTracer((op) => ops.push(op), () => {
    const l = diceLoss(logits, target);
    t.same([...l.shape], [1]);
    t.equal(l.requiresGrad, true);
  });
  t.same(ops.map((o) => [o.op, o.attrs]), [['diceLoss', { eps: 1 }]]);
  const free = noGrad(() => bceWithLogits(logits, target));
  t.equal(free.requiresGrad, false, 'no tape under noGrad');
  t.same([...focalLoss(logits.detach(), target).shape], [1]);
  t.end();
});

t.test('losses let NaN through', (t) => {
  const x = Tensor.from(new Float32Array([NaN, 0, 1, 2]), [1, 1, 2, 2]);
  const tg = Tensor.zeros([1, 1, 2, 2]);
  t.ok(Number.isNaN(bceWithLogits(x, tg).data[0]), 'bce');
  t.ok(Number.isNaN(diceLoss(x, tg).data[0]), 'dice');
  t.ok(Number.isNaN(focalLoss(x, tg).data[0]), 'focal');
  t.ok(Number.isNaN(l1Loss(x, tg).data[0]), 'l1');
  t.ok(Number.isNaN(softmaxCrossEntropy(Tensor.from(new Float32Array([NaN, 1]), [1, 2]), [0]).data[0]), 'cross entropy');
  t.end();
});

t.test('losses reject bad input with exact messages', (t) => {
  const z = Tensor.zeros([3, 4]);
  t.throws(() => softmaxCrossEntropy(Tensor.zeros([3, 4, 1, 1]), [0, 1, 2]), new RangeError('Expected a rank-2 tensor (N,C) for logits but received shape [3, 4, 1, 1]'));
  t.throws(() => softmaxCrossEntropy(z, [0, 1]), new RangeError('Expected 3 class indices (one per row of logits) for targets but received length 2'));
  t.throws(() => softmaxCrossEntropy(z, [0, 1, 4]), new RangeError('Expected a class index from 0 to 3 for targets[2] but received 4'));
  t.throws(() => softmaxCrossEntropy(z, [0, -1, 2]), new RangeError('Expected a class index from 0 to 3 for targets[1] but received -1'));
  t.throws(() => softmaxCrossEntropy(z, [0, 1.5, 2]), new TypeError('Expected an integer class index for targets[1] but received 1.5'));
  t.throws(() => softmaxCrossEntropy(z, Tensor.zeros([3, 1])), new RangeError('Expected shape [3] for targets but received shape [3, 1]'));
  t.throws(() => softmaxCrossEntropy(z, new Float32Array(3) as unknown as number[]), new TypeError('Expected class indices (an Int32Array, a number[] or a Tensor of shape [N]) for targets but received Float32Array(3)'));
  t.throws(() => softmaxCrossEntropy(z, [0, 1, 2], { weight: Tensor.ones([3]) }), new RangeError('Expected shape [4] for options.weight but received shape [3]'));
  t.throws(() => softmaxCrossEntropy(z, [0, 1, 2], { labelSmoothing: 1.5 }), new RangeError('Expected a number from 0 to 1 for options.labelSmoothing but received 1.5'));
  const x = Tensor.zeros([2, 1, 4, 4]);
  t.throws(() => bceWithLogits(x, Tensor.zeros([2, 1, 4, 5])), new RangeError('Expected shape [2, 1, 4, 4] for targets but received shape [2, 1, 4, 5]'));
  t.throws(() => bceWithLogits(x, null as unknown as Tensor), new TypeError('Expected a Tensor for targets but received null'));
  t.throws(() => bceWithLogits(x, x, { posWeight: Tensor.ones([2]) }), new RangeError('Expected shape [1] for options.posWeight but received shape [2]'));
  t.throws(() => bceWithLogits(x, x, { posWeight: 'big' as unknown as number }), new TypeError('Expected a number for options.posWeight but received "big"'));
  t.throws(() => diceLoss(Tensor.zeros([2, 16]), Tensor.zeros([2, 16])), new RangeError('Expected a rank-4 tensor (N,C,H,W) for logits but received shape [2, 16]'));
  t.throws(() => diceLoss(x, Tensor.zeros([1, 1, 4, 4])), new RangeError('Expected shape [2, 1, 4, 4] for targets but received shape [1, 1, 4, 4]'));
  t.throws(() => diceLoss(x, x, { eps: -1 }), new RangeError('Expected a number from 0 to Infinity for options.eps but received -1'));
  t.throws(() => focalLoss(x, Tensor.zeros([2, 2, 4, 4])), new RangeError('Expected shape [2, 1, 4, 4] for targetHeatmap but received shape [2, 2, 4, 4]'));
  t.throws(() => focalLoss(x, x, { alpha: NaN }), new TypeError('Expected a number for options.alpha but received NaN'));
  const p = Tensor.zeros([2, 3, 4, 4]);
  t.throws(() => l1Loss(p, Tensor.zeros([2, 3, 4])), new RangeError('Expected shape [2, 3, 4, 4] for target but received shape [2, 3, 4]'));
  t.throws(() => l1Loss(p, p, Tensor.zeros([2, 2, 4, 4])), new RangeError('Expected shape [2, 1, 4, 4] or [2, 3, 4, 4] for mask but received shape [2, 2, 4, 4]'));
  t.throws(() => l1Loss(Tensor.zeros([6, 16]), Tensor.zeros([6, 16]), Tensor.zeros([6, 16])), new RangeError('Expected a rank-4 tensor (N,C,H,W) for pred but received shape [6, 16]'));
  t.throws(() => l1Loss(p, p, 1 as unknown as Tensor), new TypeError('Expected a Tensor for mask but received 1'));
  t.end();
});

t.test('losses reject tensors on different devices', (t) => {
  const x = Tensor.zeros([2, 1, 4, 4]);
  const cuda = fakeCudaTensor([2, 1, 4, 4]);
  const msg = (name: string, first: string) => new TypeError(`Expected a tensor on cpu (the device of ${first}) for ${name} but received a tensor on cuda`);
  t.throws(() => bceWithLogits(x, cuda), msg('targets', 'logits'));
  t.throws(() => diceLoss(x, cuda), msg('targets', 'logits'));
  t.throws(() => focalLoss(x, cuda), msg('targetHeatmap', 'logits'));
  t.throws(() => l1Loss(x, cuda), msg('target', 'pred'));
  t.throws(() => l1Loss(x, x, fakeCudaTensor([2, 1, 4, 4])), msg('mask', 'pred'));
  t.throws(() => softmaxCrossEntropy(Tensor.zeros([2, 3]), [0, 1], { weight: fakeCudaTensor([3]) }), msg('options.weight', 'logits'));
  t.throws(() => bceWithLogits(x, x, { posWeight: fakeCudaTensor([1]) }), msg('options.posWeight', 'logits'));
  t.end();
});
