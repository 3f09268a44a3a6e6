// Tensors a loop drops without dispose() are still collected and their blocks reused, so the
// pool's footprint stays bounded instead of growing with every iteration. Two things drive
// those collections: the footprint growth the addon reports (memory_glue.cc) and V8's own
// count of the ArrayBuffers; this checks the outcome, not which of them fired.
import t from 'tap';
import { Tensor } from '../lib/tensor';
import { nativeCore } from '../lib/native';

function footprint(): number {
  const s = nativeCore().poolStats();
  return s.bytesInUse + s.bytesCached;
}

t.test('dropped tensors go back to the pool: 800 MB of 4 MB tensors in a bounded footprint', async (t) => {
  const before = footprint();
  const n = 200, length = 1 << 20; // 4 MiB each
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = Tensor.zeros([length]);
    sum += x.data[i];
    // Finalizers run between turns of the event loop.
    if (i % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
  }
  t.equal(sum, 0, 'every tensor was zero');
  const grown = footprint() - before;
  t.ok(grown < (n * length * 4) / 2, `footprint grew by ${(grown / 2 ** 20).toFixed(0)} MiB for ${n * 4} MiB allocated`);
});

t.test('dispose() keeps the footprint flat: the same block again and again', (t) => {
  const x0 = Tensor.zeros([1 << 20]);
  x0.dispose();
  const before = footprint();
  for (let i = 0; i < 50; i++) Tensor.zeros([1 << 20]).dispose();
  t.equal(footprint(), before, 'no growth');
  t.end();
});
