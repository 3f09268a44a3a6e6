// Every SIMD level gives the same kernel results: test/support/simd-cases.js runs in child
// processes capped at FTMTLNET_SIMD=scalar and avx2 and is compared with this process (the
// best level of this machine).
import t from 'tap';
import { compareClose } from './support/check';
import { runCasesAtLevel, type SimdRun } from './support/simd-levels';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { simdCases } = require('./support/simd-cases.js') as { simdCases: () => SimdRun };

// Through JSON like the child's output (NaN becomes null on both sides).
const here = JSON.parse(JSON.stringify(simdCases())) as SimdRun;

t.ok(here.cases['relu'].some((v) => v === null) && here.cases['maxPool2d 2x2'].some((v) => v === null), 'the NaN input reaches the outputs');

for (const level of ['scalar', 'avx2']) {
  t.test(`FTMTLNET_SIMD=${level} matches ${here.simd}`, (t) => {
    const child = runCasesAtLevel(t, 'simd-cases.js', level, here, 60_000);
    if (!child) return t.end();
    for (const [name, want] of Object.entries(here.cases)) {
      const got = child.cases[name] ?? [];
      // JSON writes NaN as null: both sides must agree on where the NaNs are.
      const nanHere = want.map((v) => v === null);
      const nanThere = got.map((v) => v === null);
      t.same(nanThere, nanHere, `${name}: NaN at the same elements`);
      // FMA contraction in the vector clones changes the last bits only.
      const c = compareClose(got.map((v) => v ?? 0), want.map((v) => v ?? 0), { atol: 1e-6, rtol: 1e-5 });
      t.ok(c.ok, `${name}: ${c.message}`);
    }
    t.end();
  });
}
