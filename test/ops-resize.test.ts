// upsample2d (nearest, bilinear align_corners=false): forward and gradients against plain
// float64 references, finite differences and hand-worked PyTorch values; bad input messages.
import t from 'tap';
import { Tensor } from '../lib/tensor';
import * as ops from '../lib/ops/index';
import { seededRandom, randTensor, gradCheck, assertClose } from './support/check';

const rng = seededRandom(3);

// torch's area_pixel_compute_source_index (align_corners = false), in float64.
function sourceIndex(d: number, scale: number, size: number): [number, number, number] {
  const src = Math.max((d + 0.5) / scale - 0.5, 0);
  const i0 = Math.min(Math.floor(src), size - 1);
  const i1 = Math.min(i0 + 1, size - 1);
  return [i0, i1, src - i0];
}

function upsampleRef(shape: number[], sh: number, sw: number, mode: 'nearest' | 'bilinear') {
  const [n, c, h, w] = shape;
  const H = h * sh, W = w * sw;
  return ([x]: Float64Array[]) => {
    const y = new Float64Array(n * c * H * W);
    for (let pl = 0; pl < n * c; pl++)
      for (let p = 0; p < H; p++)
        for (let q = 0; q < W; q++) {
          const at = (i: number, j: number) => x[pl * h * w + i * w + j];
          let v: number;
          if (mode === 'nearest') v = at(Math.floor(p / sh), Math.floor(q / sw));
          else {
            const [a0, a1, la] = sourceIndex(p, sh, h);
            const [b0, b1, lb] = sourceIndex(q, sw, w);
            v = (1 - la) * ((1 - lb) * at(a0, b0) + lb * at(a0, b1)) + la * ((1 - lb) * at(a1, b0) + lb * at(a1, b1));
          }
          y[pl * H * W + p * W + q] = v;
        }
    return y;
  };
}

t.test('upsample2d forward and gradient, nearest and bilinear, scales 2 and 3', (t) => {
  const cases: [number[], number | [number, number]][] = [
    [[1, 2, 5, 7], 2], [[2, 3, 4, 3], 3], [[2, 1, 4, 3], 2], [[1, 2, 3, 2], 2], [[1, 1, 1, 1], 2], [[2, 1, 3, 5], [2, 3]], [[1, 2, 1, 4], 3], [[2, 16, 20, 21], 2],
    // One plane big enough to be split by rows over the threads (bilinear), one of uneven rows.
    [[1, 1, 96, 100], 2], [[1, 1, 67, 130], [3, 2]],
  ];
  for (const [shape, sf] of cases) {
    const [sh, sw] = typeof sf === 'number' ? [sf, sf] : sf;
    for (const mode of ['nearest', 'bilinear'] as const) {
      const x = randTensor(rng, shape, { requiresGrad: true });
      gradCheck(t, {
        what: `upsample2d ${mode} [${shape}] x${sf}`, inputs: [x], run: ([a]) => ops.upsample2d(a, { scaleFactor: sf, mode }),
        reference: upsampleRef(shape, sh, sw, mode), forwardTol: { atol: 1e-5, rtol: 1e-5 }, maxChecks: 32,
      });
    }
  }
  t.end();
});

t.test('bilinear matches PyTorch results', (t) => {
  // F.interpolate(torch.tensor([[[[1., 2.], [3., 4.]]]]), scale_factor=2, mode='bilinear'): the widely quoted
  // torch result; the x3 row is worked by hand from torch's source-index formula (torch is not installed here).
  const x = Tensor.from(new Float32Array([1, 2, 3, 4]), [1, 1, 2, 2]);
  const want = [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4];
  assertClose(t, ops.upsample2d(x, { scaleFactor: 2, mode: 'bilinear' }).data, want, { atol: 1e-6, rtol: 0 }, 'bilinear x2');
  // ... scale_factor=3: the first row of the 6x6 result
  const row = [1, 1, 1.3333333, 1.6666666, 2, 2];
  assertClose(t, ops.upsample2d(x, { scaleFactor: 3, mode: 'bilinear' }).data.subarray(0, 6), row, { atol: 1e-6, rtol: 0 }, 'bilinear x3 row 0');
  const near = ops.upsample2d(x, { scaleFactor: 2 });
  t.same(Array.from(near.data), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], 'nearest is the default mode');
  t.end();
});

t.test('bad input throws exact messages', (t) => {
  const x = randTensor(rng, [1, 2, 3, 3]);
  t.throws(() => ops.upsample2d(randTensor(rng, [2, 3, 3]), { scaleFactor: 2 }), new RangeError('Expected a rank-4 tensor (N,C,H,W) for x but received shape [2, 3, 3]'));
  t.throws(() => ops.upsample2d(x, { scaleFactor: 1.5 }), new TypeError('Expected an integer for scaleFactor but received 1.5'));
  t.throws(() => ops.upsample2d(x, { scaleFactor: 0 }), new RangeError('Expected an integer >= 1 for scaleFactor but received 0'));
  t.throws(() => ops.upsample2d(x, { scaleFactor: [2] as unknown as number }), new TypeError('Expected an integer or a pair of integers for scaleFactor but received an array of length 1'));
  t.throws(() => ops.upsample2d(x, { scaleFactor: 2, mode: 'bicubic' as 'nearest' }), new TypeError('Expected one of "nearest", "bilinear" for mode but received "bicubic"'));
  t.throws(() => ops.upsample2d(null as unknown as Tensor, { scaleFactor: 2 }), new TypeError('Expected a Tensor for x but received null'));
  t.end();
});
