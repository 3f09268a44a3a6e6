import t from 'tap';
import { Tensor } from '../lib/tensor';
import { linear } from '../lib/ops/linear';
import { withTracer, TracedOp } from '../lib/trace';
import { fakeCudaTensor } from './support/fake-device';
import { assertClose, gradCheck, randArray, randTensor, seededRandom } from './support/check';
import { linearRef } from './support/conv-reference';

t.test('linear forward and gradients match the float64 reference and finite differences', (t) => {
  const shapes: [number, number, number, boolean][] = [
    [1, 1, 1, true], [1, 7, 3, true], [4, 5, 9, false], [3, 17, 50, true], [9, 33, 13, true],
  ];
  shapes.forEach(([n, inF, outF, bias], i) => {
    const rng = seededRandom(20 + i);
    const x = randTensor(rng, [n, inF], { requiresGrad: true });
    const w = randTensor(rng, [outF, inF], { requiresGrad: true });
    const b = bias ? [randTensor(rng, [outF], { requiresGrad: true })] : [];
    gradCheck(t, {
      what: `linear ${n}x${inF} -> ${outF}${bias ? ' bias' : ''}`,
      inputs: [x, w, ...b],
      run: ([xx, ww, bb]) => linear(xx, ww, bb ?? null),
      reference: ([xx, ww, bb]) => linearRef(n, inF, outF, xx, ww, bb ?? null),
      maxChecks: 24,
      seed: i,
    });
  });
  t.end();
});

t.test('linear across GEMM blocking edges matches exact gradients', (t) => {
  const rng = seededRandom(3);
  const [n, inF, outF] = [37, 700, 130];
  const x = randTensor(rng, [n, inF], { requiresGrad: true });
  const w = randTensor(rng, [outF, inF], { requiresGrad: true, scale: 0.1 });
  const b = randTensor(rng, [outF], { requiresGrad: true });
  const y = linear(x, w, b);
  assertClose(t, y.data, linearRef(n, inF, outF, x.data, w.data, b.data), { atol: 1e-4, rtol: 1e-4 }, 'forward');
  const dy = randArray(rng, y.numel);
  y.backward(Tensor.from(dy, [n, outF]));
  const dx = new Float64Array(n * inF);
  const dw = new Float64Array(outF * inF);
  const db = new Float64Array(outF);
  for (let i = 0; i < n; i++)
    for (let o = 0; o < outF; o++) {
      const g = dy[i * outF + o];
      db[o] += g;
      for (let j = 0; j < inF; j++) {
        dx[i * inF + j] += g * w.data[o * inF + j];
        dw[o * inF + j] += g * x.data[i * inF + j];
      }
    }
  assertClose(t, x.grad!.data, dx, { atol: 1e-4, rtol: 1e-4 }, 'dx');
  assertClose(t, w.grad!.data, dw, { atol: 1e-4, rtol: 1e-4 }, 'dw');
  assertClose(t, b.grad!.data, db, { atol: 1e-4, rtol: 1e-4 }, 'db');
  t.end();
});

t.test('linear is traced', (t) => {
  const ops: TracedOp[] = [];
  withTracer((op) => ops.push(op), () => linear(Tensor.zeros([2, 3]), Tensor.zeros([4, 3]), null));
  t.equal(ops[0].op, 'linear');
  t.equal(ops[0].inputs.length, 3);
  t.end();
});

t.test('linear rejects bad input with exact messages', (t) => {
  const x = Tensor.zeros([2, 3]);
  const w = Tensor.zeros([4, 3]);
  t.throws(() => linear([1] as unknown as Tensor, w), new TypeError('Expected a Tensor for x but received an array of length 1'));
  t.throws(() => linear(Tensor.zeros([2, 3, 1, 1]), w), new RangeError('Expected a rank-2 tensor (N,C) for x but received shape [2, 3, 1, 1]'));
  t.throws(() => linear(x, Tensor.zeros([4])), new RangeError('Expected a rank-2 tensor (N,C) for weight but received shape [4]'));
  t.throws(() => linear(x, Tensor.zeros([4, 5])), new RangeError('Expected a weight with 3 input features (the features of x) for weight but received shape [4, 5]'));
  t.throws(() => linear(x, w, Tensor.zeros([3])), new RangeError('Expected shape [4] for bias but received shape [3]'));
  const cudaLike = fakeCudaTensor([4]);
  t.throws(() => linear(x, w, cudaLike), new TypeError('Expected a tensor on cpu (the device of x) for bias but received a tensor on cuda'));
  t.end();
});
