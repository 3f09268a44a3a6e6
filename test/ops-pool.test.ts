// maxPool2d, avgPool2d, globalAvgPool2d: forward and gradients against plain float64
// references and finite differences; NaN propagation; bad input by exact message.
import t from 'tap';
import { Tensor } from '../lib/tensor';
import * as ops from '../lib/ops/index';
import { seededRandom, randTensor, gradCheck, assertClose, Rng } from './support/check';

const rng = seededRandom(5);

// Distinct values (a shuffled ladder 0.01 apart) so max pooling has no ties.
function distinctTensor(r: Rng, shape: number[]): Tensor {
  const n = shape.reduce((p, s) => p * s, 1);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (i - n / 2) * 0.01;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return Tensor.from(a, shape, { requiresGrad: true });
}

interface Geo { k: [number, number]; s: [number, number]; p: [number, number] }

// Plain float64 pooling (torch semantics: padding never wins for max; count_include_pad for avg).
function poolRef(shape: number[], g: Geo, kind: 'max' | 'avg') {
  const [n, c, h, w] = shape;
  const P = Math.floor((h + 2 * g.p[0] - g.k[0]) / g.s[0]) + 1;
  const Q = Math.floor((w + 2 * g.p[1] - g.k[1]) / g.s[1]) + 1;
  return ([x]: Float64Array[]) => {
    const y = new Float64Array(n * c * P * Q);
    for (let pl = 0; pl < n * c; pl++)
      for (let p = 0; p < P; p++)
        for (let q = 0; q < Q; q++) {
          let m = -Infinity;
          let s = 0;
          for (let i = 0; i < g.k[0]; i++)
            for (let j = 0; j < g.k[1]; j++) {
              const hh = p * g.s[0] - g.p[0] + i;
              const ww = q * g.s[1] - g.p[1] + j;
              if (hh < 0 || hh >= h || ww < 0 || ww >= w) continue;
              const v = x[pl * h * w + hh * w + ww];
              m = Math.max(m, v);
              s += v;
            }
          y[pl * P * Q + p * Q + q] = kind === 'max' ? m : s / (g.k[0] * g.k[1]);
        }
    return y;
  };
}

const CASES: { shape: number[]; g: Geo }[] = [
  { shape: [1, 3, 7, 9], g: { k: [2, 2], s: [2, 2], p: [0, 0] } },
  { shape: [2, 2, 8, 8], g: { k: [2, 2], s: [2, 2], p: [0, 0] } },
  { shape: [2, 2, 9, 8], g: { k: [3, 3], s: [2, 2], p: [1, 1] } },
  { shape: [1, 2, 6, 7], g: { k: [3, 3], s: [1, 1], p: [1, 1] } },
  { shape: [3, 1, 5, 11], g: { k: [2, 3], s: [1, 2], p: [1, 0] } },
  { shape: [2, 1, 5, 5], g: { k: [5, 5], s: [5, 5], p: [2, 2] } },
];

t.test('maxPool2d forward and gradient', (t) => {
  for (const { shape, g } of CASES) {
    const x = distinctTensor(rng, shape);
    gradCheck(t, {
      what: `maxPool2d [${shape}] k${g.k} s${g.s} p${g.p}`, inputs: [x],
      run: ([a]) => ops.maxPool2d(a, { kernelSize: g.k, stride: g.s, padding: g.p }), reference: poolRef(shape, g, 'max'),
    });
  }
  const big = [2, 16, 40, 41];
  const x = distinctTensor(rng, big);
  const g: Geo = { k: [2, 2], s: [2, 2], p: [0, 0] };
  gradCheck(t, { what: 'maxPool2d large (threaded)', inputs: [x], run: ([a]) => ops.maxPool2d(a, { kernelSize: 2 }), reference: poolRef(big, g, 'max'), maxChecks: 32 });
  t.end();
});

t.test('avgPool2d forward and gradient', (t) => {
  for (const { shape, g } of CASES) {
    const x = randTensor(rng, shape, { requiresGrad: true });
    gradCheck(t, {
      what: `avgPool2d [${shape}] k${g.k} s${g.s} p${g.p}`, inputs: [x],
      run: ([a]) => ops.avgPool2d(a, { kernelSize: g.k, stride: g.s, padding: g.p }), reference: poolRef(shape, g, 'avg'),
    });
  }
  const big = [2, 16, 40, 41];
  const x = randTensor(rng, big, { requiresGrad: true });
  const g: Geo = { k: [3, 3], s: [2, 2], p: [1, 1] };
  gradCheck(t, { what: 'avgPool2d large (threaded)', inputs: [x], run: ([a]) => ops.avgPool2d(a, { kernelSize: 3, stride: 2, padding: 1 }), reference: poolRef(big, g, 'avg'), maxChecks: 32 });
  t.end();
});

t.test('default stride is kernelSize; options resolve to pairs in the trace', (t) => {
  const x = randTensor(rng, [1, 1, 6, 6]);
  t.same([...ops.maxPool2d(x, { kernelSize: 3 }).shape], [1, 1, 2, 2]);
  t.same([...ops.avgPool2d(x, { kernelSize: [2, 3] }).shape], [1, 1, 3, 2]);
  t.end();
});

t.test('globalAvgPool2d forward and gradient', (t) => {
  for (const shape of [[1, 3, 5, 7], [2, 4, 1, 1], [3, 2, 6, 5], [2, 64, 17, 19]]) {
    const [n, c, h, w] = shape;
    const x = randTensor(rng, shape, { requiresGrad: true });
    gradCheck(t, {
      what: `globalAvgPool2d [${shape}]`, inputs: [x], run: ([a]) => ops.globalAvgPool2d(a), maxChecks: 32,
      reference: ([a]) => {
        const y = new Float64Array(n * c);
        for (let i = 0; i < n * c * h * w; i++) y[Math.floor(i / (h * w))] += a[i] / (h * w);
        return y;
      },
    });
    t.same([...ops.globalAvgPool2d(x).shape], [n, c, 1, 1]);
  }
  t.end();
});

t.test('maxPool2d propagates NaN (as torch)', (t) => {
  const x = Tensor.from(new Float32Array([1, NaN, 3, 4, 5, 6, 7, 8]), [1, 1, 2, 4]);
  const y = ops.maxPool2d(x, { kernelSize: 2 });
  t.ok(Number.isNaN(y.data[0]), 'window with NaN gives NaN');
  assertClose(t, [y.data[1]], [8], { atol: 0, rtol: 0 }, 'other window');
  const z = ops.maxPool2d(x, { kernelSize: 2, stride: 1, padding: 1 });
  t.ok(Number.isNaN(z.data[1]) && Number.isNaN(z.data[2]), 'padded windows too');
  t.end();
});

t.test('bad input throws exact messages', (t) => {
  const x = randTensor(rng, [1, 2, 5, 5]);
  t.throws(() => ops.maxPool2d(randTensor(rng, [2, 5, 5]), { kernelSize: 2 }),
    new RangeError('Expected a rank-4 tensor (N,C,H,W) for x but received shape [2, 5, 5]'));
  t.throws(() => ops.avgPool2d({} as Tensor, { kernelSize: 2 }), new TypeError('Expected a Tensor for x but received an object (Object)'));
  t.throws(() => ops.maxPool2d(x, {} as { kernelSize: number }), new TypeError('Expected an integer or a pair of integers for kernelSize but received undefined'));
  t.throws(() => ops.maxPool2d(x, undefined as unknown as { kernelSize: number }), new TypeError('Expected an integer or a pair of integers for kernelSize but received undefined'));
  t.throws(() => ops.maxPool2d(x, { kernelSize: 0 }), new RangeError('Expected an integer >= 1 for kernelSize but received 0'));
  t.throws(() => ops.maxPool2d(x, { kernelSize: [2, 2.5] as [number, number] }), new TypeError('Expected an integer for kernelSize[1] but received 2.5'));
  t.throws(() => ops.avgPool2d(x, { kernelSize: 2, stride: 0 }), new RangeError('Expected an integer >= 1 for stride but received 0'));
  t.throws(() => ops.avgPool2d(x, { kernelSize: 2, padding: -1 }), new RangeError('Expected an integer >= 0 for padding but received -1'));
  t.throws(() => ops.maxPool2d(x, { kernelSize: 3, padding: 2 }), new RangeError('Expected padding at most half of kernelSize [3, 3] for padding but received [2, 2]'));
  t.throws(() => ops.maxPool2d(x, { kernelSize: [6, 2] }), new RangeError('Expected an input of at least 6x2 pixels (the padded window) for x but received shape [1, 2, 5, 5]'));
  t.throws(() => ops.maxPool2d(x, 2 as unknown as { kernelSize: number }), new TypeError('Expected an options object for options but received 2'));
  t.throws(() => ops.globalAvgPool2d(randTensor(rng, [2, 3])), new RangeError('Expected a rank-4 tensor (N,C,H,W) for x but received shape [2, 3]'));
  t.end();
});
