// The GEMM micro-kernels of every SIMD level (scalar 4x16, AVX2 6x16, AVX-512 8x48) and the
// AVX-512 packers give the same conv2d / featureTransfer / linear results: the child processes
// are capped at FTMTLNET_SIMD=scalar and avx2 and compared with this process (the best level
// of this machine). Sums run in a different order per level, hence the float32 tolerance.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { compareClose } from './support/check';

interface SimdRun { simd: string; cases: Record<string, number[]> }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { convCases } = require('./support/conv-simd-cases.js') as { convCases: () => SimdRun };

const here = convCases();
const order = ['scalar', 'avx2', 'avx512'];

for (const level of ['scalar', 'avx2']) {
  t.test(`FTMTLNET_SIMD=${level} conv/linear results match ${here.simd}`, (t) => {
    const r = spawnSync(process.execPath, [path.join(__dirname, 'support', 'conv-simd-cases.js')], {
      env: { ...process.env, FTMTLNET_SIMD: level },
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      timeout: 120_000,
    });
    t.equal(r.status, 0, `child exited cleanly ${r.stderr ? r.stderr.slice(0, 500) : ''}`);
    if (r.status !== 0) return t.end();
    const child = JSON.parse(r.stdout) as SimdRun;
    t.equal(child.simd, order[Math.min(order.indexOf(level), order.indexOf(here.simd))], 'the child ran at the capped level');
    t.same(Object.keys(child.cases).sort(), Object.keys(here.cases).sort(), 'same cases');
    for (const [name, want] of Object.entries(here.cases)) {
      const c = compareClose(child.cases[name] ?? [], want, { atol: 2e-5, rtol: 2e-5 });
      t.ok(c.ok, `${name}: ${c.message}`);
    }
    t.end();
  });
}
