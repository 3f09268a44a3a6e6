// The streaming 1x1 convolution for few output channels (native/cpu/conv_pointwise.cc, the
// heads' last layers): conv2d, several channel-concatenated sources and the fused scale + ReLU
// epilogue against float64 references; 5 output channels (the rows GEMM) as the control.
import t from 'tap';
import * as ops from '../lib/ops/index';
import { getKernel } from '../lib/registry';
import { assertClose, randArray, randTensor, seededRandom } from './support/check';
import { convForwardRef } from './support/conv-reference';

const convScaleReluCpu = getKernel('convScaleReluForward', 'cpu');
const g11 = { stride: [1, 1] as [number, number], padding: [0, 0] as [number, number] };

t.test('conv2d 1x1 with 1-5 output channels matches the float64 reference', (t) => {
  const rng = seededRandom(21);
  // 5x7: less than a chunk; 70x67 = 4690 pixels: a full 4096-pixel chunk and a ragged one.
  for (const [n, c, h, w] of [[1, 3, 5, 7], [3, 16, 70, 67], [2, 33, 64, 64]]) {
    for (const k of [1, 2, 3, 4, 5]) {
      const x = randTensor(rng, [n, c, h, w]);
      const wt = randTensor(rng, [k, c, 1, 1], { scale: 0.5 });
      const b = k % 2 === 1 ? randTensor(rng, [k]) : null;
      const y = ops.conv2d(x, wt, b, g11);
      const ref = convForwardRef({ n, c, h, w, k, r: 1, s: 1, sh: 1, sw: 1, ph: 0, pw: 0 }, x.data, wt.data, b ? b.data : null);
      t.same(y.shape, [n, k, h, w], `n${n} c${c} ${h}x${w} k${k}: shape`);
      assertClose(t, y.data, ref, { atol: 1e-5, rtol: 1e-5 }, `n${n} c${c} ${h}x${w} k${k}${b ? ' bias' : ''}`);
    }
  }
  t.end();
});

t.test('1x1 over concatenated sources with a per-channel scale, shift and ReLU matches the reference', (t) => {
  const rng = seededRandom(22);
  const [n, h, w] = [2, 67, 70];
  for (const sources of [[8], [2, 5, 1]]) {
    const c = sources.reduce((a, b) => a + b, 0);
    const xs = sources.map((ci) => randTensor(rng, [n, ci, h, w]));
    for (const k of [1, 3, 4]) {
      const wt = randTensor(rng, [k, c, 1, 1], { scale: 0.5 });
      const shift = randArray(rng, k);
      const scale = randArray(rng, k);
      const y = convScaleReluCpu(xs, wt, shift, g11, scale);
      // Reference: the sources concatenated, weights scaled per output channel, shift, ReLU.
      const x = xs.length === 1 ? xs[0] : ops.concat(xs, 1);
      const scaled = Float64Array.from(wt.data, (v, i) => v * scale[Math.floor(i / c)]);
      const ref = convForwardRef({ n, c, h, w, k, r: 1, s: 1, sh: 1, sw: 1, ph: 0, pw: 0 }, x.data, scaled, shift).map((v) => Math.max(v, 0));
      t.same(y.shape, [n, k, h, w], `sources ${sources} k${k}: shape`);
      assertClose(t, y.data, ref, { atol: 1e-5, rtol: 1e-5 }, `sources ${sources} k${k}`);
    }
  }
  t.end();
});
