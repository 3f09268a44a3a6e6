// One generator (mulberry32, lib/random.ts) behind the weight initialisation, the trainer's
// saved RNG, the phantoms and the test helpers.
import t from 'tap';
import { mulberry32 } from '../lib/random';
import { seededRng } from '../lib/nn/init';
import { Rng } from '../lib/train/rng';
import { createRandom } from '../lib/data/phantom-random';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { seeded } = require('./support/simd-child.js') as { seeded: (seed: number) => () => number };

function draw(next: () => number, n = 50): number[] {
  return Array.from({ length: n }, next);
}

t.test('mulberry32 keeps its sequence (seed 0)', (t) => {
  t.same(draw(mulberry32(0), 3), [0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]);
  t.end();
});

t.test('every user draws the same stream for a seed', (t) => {
  for (const seed of [0, 1, 12345, 0xffffffff]) {
    const ref = draw(mulberry32(seed));
    t.same(draw(seededRng(seed)), ref, `nn/init seededRng(${seed})`);
    const rng = new Rng(seed);
    t.same(draw(() => rng.next()), ref, `train/rng Rng(${seed})`);
    t.same(draw(createRandom(seed).next), ref, `phantom createRandom(${seed})`);
    t.same(draw(seeded(seed)), ref, `test/support/simd-child.js seeded(${seed})`);
  }
  t.end();
});
