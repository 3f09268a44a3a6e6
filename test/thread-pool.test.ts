import t from 'tap';
import { getNumThreads, setNumThreads } from '../lib/capabilities';
import { getKernel } from '../lib/registry';
import '../lib/ops/optim';

// The thread pool deals each loop's chunks into one contiguous share per thread and lets a
// thread that finishes its share take chunks from the others'. Every chunk must run exactly
// once, whatever the thread count and however the chunks divide: an in-place scale by 2 shows
// a chunk run twice (x4) or never (x1), and a sum of squares split by a dynamic grain shows
// either as a wrong total.
t.test('every chunk runs exactly once, for any thread count and size', (t) => {
  const before = getNumThreads();
  t.teardown(() => setNumThreads(before));
  const scale = getKernel('scaleInPlace', 'cpu') as (x: Float32Array, s: number) => void;
  const sumSquares = getKernel('sumSquares', 'cpu') as (x: Float32Array) => number;
  for (const threads of [1, 2, 3, 5, 8]) {
    setNumThreads(threads);
    for (const n of [1 << 16, (1 << 16) + 1, 300_007, 1_000_003]) {
      const x = Float32Array.from({ length: n }, (_, i) => (i % 1000) - 500);
      const original = Float32Array.from(x);
      scale(x, 2);
      let wrong = -1;
      for (let i = 0; i < n && wrong < 0; i++) if (x[i] !== 2 * original[i]) wrong = i;
      t.equal(wrong, -1, `${threads} threads, ${n} values: each scaled once${wrong >= 0 ? ` (index ${wrong}: ${x[wrong]} for ${2 * original[wrong]})` : ''}`);
      let exact = 0;
      for (let i = 0; i < n; i++) exact += original[i] * original[i];
      t.ok(Math.abs(sumSquares(original) - exact) <= 1e-9 * exact, `${threads} threads, ${n} values: sum of squares`);
    }
  }
  t.end();
});
