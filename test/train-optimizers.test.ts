import t, { Test } from 'tap';
import { Tensor } from '../lib/tensor';
import { SGD, AdamW, decayGroups } from '../lib/train/optimizers';
import { warmupCosine } from '../lib/train/schedule';
import { clipGradNorm, globalNorm } from '../lib/train/clip';
import { StepGuard } from '../lib/train/guard';
import { seededRandom, randArray, compareClose } from './support/check';

function param(values: number[]): Tensor {
  return Tensor.from(new Float32Array(values), [values.length], { requiresGrad: true });
}
function setGrad(p: Tensor, values: ArrayLike<number>): void {
  p.grad = Tensor.from(Float32Array.from(values), [...p.shape]);
}
function close(t: Test, actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, atol = 1e-6, rtol = 1e-5): void {
  const r = compareClose(actual, expected, { atol, rtol });
  t.ok(r.ok, `${what}: ${r.message}`);
}

t.test('SGD with momentum and weight decay matches hand-computed steps', (t) => {
  const p = param([1]);
  const opt = new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.1 });
  setGrad(p, [0.5]);
  opt.step();
  // d = 0.5 + 0.1*1 = 0.6, buf = 0.6, p = 1 - 0.06
  close(t, p.data, [0.94], 'step 1');
  setGrad(p, [0.5]);
  opt.step();
  // d = 0.5 + 0.094 = 0.594, buf = 0.54 + 0.594 = 1.134, p = 0.94 - 0.1134
  close(t, p.data, [0.8266], 'step 2');
  t.end();
});

t.test('SGD Nesterov matches hand-computed steps', (t) => {
  const p = param([1]);
  const opt = new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: true });
  setGrad(p, [0.5]);
  opt.step();
  close(t, p.data, [0.886], 'step 1');       // 1 - 0.1*(0.6 + 0.9*0.6)
  setGrad(p, [0.5]);
  opt.step();
  close(t, p.data, [0.725566], 'step 2');    // d = 0.5886, buf = 1.1286, p -= 0.1*(d + 0.9*buf)
  t.end();
});

t.test('AdamW bias correction and decoupled decay match hand-computed steps', (t) => {
  const p = param([1]);
  const opt = new AdamW([p], { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
  setGrad(p, [0.5]);
  opt.step();
  // p = 1*(1-0.001) - 0.1 * (0.05/0.1) / (sqrt(0.00025/0.001) + 1e-8) = 0.999 - 0.1
  close(t, p.data, [0.899], 'step 1');
  setGrad(p, [-0.25]);
  opt.step();
  // m = 0.02, v = 0.00031225; mhat = 0.02/0.19, vhat = 0.00031225/0.001999
  const expected = 0.899 * 0.999 - (0.1 * (0.02 / 0.19)) / (Math.sqrt(0.00031225 / 0.001999) + 1e-8);
  close(t, p.data, [expected], 'step 2');
  t.ok(Math.abs(expected - 0.871467) < 1e-5, 'hand value');
  t.end();
});

// float64 references over long random vectors (exercises SIMD bodies, tails and threads).
t.test('SGD and AdamW agree with float64 references on large odd-sized tensors', (t) => {
  const rng = seededRandom(7);
  const n = 200_003;
  const p0 = randArray(rng, n);
  const grads = [randArray(rng, n), randArray(rng, n), randArray(rng, n)];
  for (const nesterov of [false, true]) {
    const p = Tensor.from(p0, [n], { requiresGrad: true });
    const opt = new SGD([p], { lr: 0.05, momentum: 0.8, weightDecay: 0.02, nesterov });
    const ref = Float64Array.from(p0);
    const buf = new Float64Array(n);
    grads.forEach((g, k) => {
      setGrad(p, g);
      opt.step();
      for (let i = 0; i < n; i++) {
        const d = g[i] + 0.02 * ref[i];
        buf[i] = k === 0 ? d : 0.8 * buf[i] + d;
        ref[i] -= 0.05 * (nesterov ? d + 0.8 * buf[i] : buf[i]);
      }
    });
    close(t, p.data, ref, `SGD nesterov=${nesterov}`, 1e-5, 1e-4);
  }
  const p = Tensor.from(p0, [n], { requiresGrad: true });
  const opt = new AdamW([p], { lr: 0.01, betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.1 });
  const ref = Float64Array.from(p0);
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  grads.forEach((g, k) => {
    setGrad(p, g);
    opt.step();
    const step = k + 1;
    for (let i = 0; i < n; i++) {
      m[i] = 0.8 * m[i] + 0.2 * g[i];
      v[i] = 0.95 * v[i] + 0.05 * g[i] * g[i];
      ref[i] = ref[i] * (1 - 0.001) - (0.01 * m[i] / (1 - 0.8 ** step)) / (Math.sqrt(v[i] / (1 - 0.95 ** step)) + 1e-6);
    }
  });
  close(t, p.data, ref, 'AdamW', 1e-5, 1e-4);
  t.end();
});

t.test('parameter groups: no decay for rank-1 tensors, params without grad untouched', (t) => {
  const w = Tensor.from(new Float32Array([1, 1]), [1, 2], { requiresGrad: true });
  const b = param([1]);
  const idle = param([3]);
  const opt = new SGD(decayGroups([['w', w], ['b', b], ['idle', idle]], 0.5), { lr: 1 });
  setGrad(w, [0, 0]);
  setGrad(b, [0]);
  opt.step();
  close(t, w.data, [0.5, 0.5], 'weights decay');
  close(t, b.data, [1], 'bias does not');
  close(t, idle.data, [3], 'no grad, no update');
  t.end();
});

t.test('optimizer options and state are validated with exact messages', (t) => {
  const p = param([1]);
  t.throws(() => new SGD([p], { lr: -1 }), new RangeError('Expected a number from 0 to Infinity for options.lr but received -1'));
  t.throws(() => new SGD([], { lr: 1 }), new TypeError('Expected a non-empty array of parameter tensors, [name, tensor] pairs or groups for params but received an array of length 0'));
  t.throws(() => new SGD([p, p], { lr: 1 }), /Expected each parameter once for params\[1\]/);
  t.throws(() => new SGD([p], { lr: 1, nesterov: true }), new RangeError('Expected momentum > 0 and dampening 0 (Nesterov) for options but received momentum 0, dampening 0'));
  const adam = new AdamW([['a', p]]);
  const sgd = new SGD([['a', p]], { lr: 1, momentum: 0.9 });
  t.throws(() => adam.loadStateDict(sgd.stateDict()), new TypeError('Expected a "adamw" optimizer state for state.type but received "sgd"'));
  t.end();
});

t.test('stateDict round trip: a resumed optimizer continues identically', (t) => {
  const rng = seededRandom(3);
  const g = [randArray(rng, 10), randArray(rng, 10), randArray(rng, 10)];
  const a = Tensor.from(randArray(rng, 10), [10], { requiresGrad: true });
  const b = a.clone();
  b.requiresGrad = true;
  const optA = new AdamW([['w', a]], { lr: 0.01 });
  setGrad(a, g[0]);
  optA.step();
  b.data.set(a.data);
  const optB = new AdamW([['w', b]], { lr: 0.5 });
  optB.loadStateDict(optA.stateDict());
  t.equal(optB.lr, 0.01, 'lr restored');
  for (const gk of g.slice(1)) {
    setGrad(a, gk);
    optA.step();
    setGrad(b, gk);
    optB.step();
  }
  t.same([...b.data], [...a.data], 'bit-identical');
  t.end();
});

t.test('warm-up + cosine schedule values', (t) => {
  const lr = warmupCosine({ baseLr: 1, totalSteps: 14, warmupSteps: 4, minLr: 0.1 });
  close(t, [0, 1, 2, 3].map(lr), [0.25, 0.4375, 0.625, 0.8125], 'warm-up');
  close(t, [4, 9, 14, 20].map(lr), [1, 0.55, 0.1, 0.1], 'cosine');
  const lr2 = warmupCosine({ baseLr: 2, totalSteps: 4 });
  close(t, [0, 2, 4].map(lr2), [2, 1, 0], 'no warm-up');
  t.throws(() => warmupCosine({ baseLr: 1, totalSteps: 0 }), new RangeError('Expected an integer >= 1 for options.totalSteps but received 0'));
  t.end();
});

t.test('clipGradNorm scales to the global norm and reports non-finite gradients', (t) => {
  const a = param([0, 0]);
  const b = param([0]);
  setGrad(a, [3, 0]);
  setGrad(b, [4]);
  const r = clipGradNorm([a, b], 1);
  t.equal(r.norm, 5);
  t.ok(r.clipped);
  close(t, [globalNorm([a.grad, b.grad])], [1], 'norm after clipping');
  close(t, [...a.grad!.data, ...b.grad!.data], [0.6, 0, 0.8], 'direction kept');
  const r2 = clipGradNorm([a, b], 10);
  t.notOk(r2.clipped, 'below the limit: untouched');
  setGrad(b, [NaN]);
  t.notOk(clipGradNorm([a, b], 1).finite, 'NaN detected');
  setGrad(b, [Infinity]);
  t.notOk(clipGradNorm([a, b], 1).finite, 'Inf detected');
  t.end();
});

t.test('StepGuard restores the last good parameters, buffers and optimizer state', (t) => {
  const p = param([1, 2]);
  const running = Tensor.from(new Float32Array([5]), [1]);
  const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
  const guard = new StepGuard([p, running], opt);
  setGrad(p, [1, 1]);
  opt.step();
  guard.commit();
  const good = [...p.data];
  const goodState = opt.stateDict();
  // A bad step: the forward contaminated a buffer and the update blew the parameters up.
  running.data[0] = NaN;
  setGrad(p, [Infinity, 1]);
  opt.step();
  t.notOk(guard.stateIsFinite(), 'non-finite state detected');
  guard.restore();
  t.same([...p.data], good, 'parameters restored');
  t.same([...running.data], [5], 'buffers restored');
  t.same(opt.stateDict(), goodState, 'optimizer state restored');
  t.equal(p.grad, null, 'gradients dropped');
  t.equal(guard.recoveries, 1, 'counted');
  t.end();
});
