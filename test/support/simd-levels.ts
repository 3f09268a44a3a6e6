// Runs a SIMD case script (test/support/*-cases.js) in a child process capped at a SIMD level
// and checks it ran at that level with the same cases as this process.
import type { Test } from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export interface SimdRun {
  simd: string;
  cases: Record<string, number[]>;
}

type Asserter = Pick<Test, 'equal' | 'same'>;

const ORDER = ['scalar', 'avx2', 'avx512'];

// The child's result, or null when it failed (already reported through t).
export function runCasesAtLevel(t: Asserter, script: string, level: string, here: SimdRun, timeoutMs: number): SimdRun | null {
  const r = spawnSync(process.execPath, [path.join(__dirname, script)], {
    env: { ...process.env, FTMTLNET_SIMD: level },
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    timeout: timeoutMs,
  });
  t.equal(r.status, 0, `child exited cleanly ${r.stderr ? r.stderr.slice(0, 500) : ''}`);
  if (r.status !== 0) return null;
  const child = JSON.parse(r.stdout) as SimdRun;
  t.equal(child.simd, ORDER[Math.min(ORDER.indexOf(level), ORDER.indexOf(here.simd))], 'the child ran at the capped level');
  t.same(Object.keys(child.cases).sort(), Object.keys(here.cases).sort(), 'same cases');
  return child;
}
