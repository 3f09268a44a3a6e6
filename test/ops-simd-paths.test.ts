// Every SIMD level gives the same kernel results: test/support/simd-cases.js runs in child
// processes capped at FTMTLNET_SIMD=scalar and avx2 and is compared with this process (the
// best level of this machine).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { compareClose } from './support/check';

interface SimdRun { simd: string; cases: Record<string, number[]> }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { simdCases } = require('./support/simd-cases.js') as { simdCases: () => SimdRun };

// Through JSON like the child's output (NaN becomes null on both sides).
const here = JSON.parse(JSON.stringify(simdCases())) as SimdRun;
const order = ['scalar', 'avx2', 'avx512'];

t.ok(here.cases['relu'].some((v) => v === null) && here.cases['maxPool2d 2x2'].some((v) => v === null), 'the NaN input reaches the outputs');

for (const level of ['scalar', 'avx2']) {
  t.test(`FTMTLNET_SIMD=${level} matches ${here.simd}`, (t) => {
    const r = spawnSync(process.execPath, [path.join(__dirname, 'support', 'simd-cases.js')], {
      env: { ...process.env, FTMTLNET_SIMD: level },
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      timeout: 60_000,
    });
    t.equal(r.status, 0, `child exited cleanly ${r.stderr ? r.stderr.slice(0, 500) : ''}`);
    if (r.status !== 0) return t.end();
    const child = JSON.parse(r.stdout) as SimdRun;
    const expected = order[Math.min(order.indexOf(level), order.indexOf(here.simd))];
    t.equal(child.simd, expected, 'the child ran at the capped level');
    t.same(Object.keys(child.cases).sort(), Object.keys(here.cases).sort(), 'same cases');
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
