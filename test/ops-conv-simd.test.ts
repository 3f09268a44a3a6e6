// The GEMM micro-kernels of every SIMD level (scalar 4x16, AVX2 6x16, AVX-512 8x48) and the
// AVX-512 packers give the same conv2d / featureTransfer / linear results: the child processes
// are capped at FTMTLNET_SIMD=scalar and avx2 and compared with this process (the best level
// of this machine). Sums run in a different order per level, hence the float32 tolerance.
import t from 'tap';
import { compareClose } from './support/check';
import { runCasesAtLevel, type SimdRun } from './support/simd-levels';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { convCases } = require('./support/conv-simd-cases.js') as { convCases: () => SimdRun };

const here = convCases();

for (const level of ['scalar', 'avx2']) {
  t.test(`FTMTLNET_SIMD=${level} conv/linear results match ${here.simd}`, (t) => {
    const child = runCasesAtLevel(t, 'conv-simd-cases.js', level, here, 120_000);
    if (!child) return t.end();
    for (const [name, want] of Object.entries(here.cases)) {
      // A weight gradient sums over every pixel: the 61x57 case adds 3,477 products whose
      // magnitudes total ~870, so float32 rounding alone moves it by ~4e-5 (measured against a
      // float64 sum: 3.9e-5 at AVX-512, 2.3e-5 at AVX2), and the levels block those sums apart.
      // F(4,3) rounds further from the exact sum than the direct conv (docs/winograd.md: within
      // 1e-5 * sum|w||x| of it, ~24 here), and each level within that: 1e-4 apart.
      const atol = / backward-weight$/.test(name) || /^wino4 /.test(name) ? 1e-4 : 2e-5;
      const c = compareClose(child.cases[name] ?? [], want, { atol, rtol: 2e-5 });
      t.ok(c.ok, `${name}: ${c.message}`);
    }
    t.end();
  });
}
