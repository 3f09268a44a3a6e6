// The decode fuzzer: N seeded hostile DICOM cases (fuzz/cases.ts), each decoded within the fuzz
// limits, counted as success / clean error / crash / hang, with the peak RSS of the process.
import { caseFactory, runCase, CASE_KINDS, FUZZ_LIMITS, type Outcome } from './cases';

export interface FuzzReport {
  cases: number;
  seed: number;
  counts: Record<Outcome, number>;
  byKind: Record<string, Record<Outcome, number>>;
  examples: string[];          // the first crashes and hangs
  peakRssMiB: number;
  seconds: number;
}

export async function runDecodeFuzz(cases: number, seed: number, log: (line: string) => void = () => {}): Promise<FuzzReport> {
  const started = Date.now();
  const factory = await caseFactory(seed);
  const zero = (): Record<Outcome, number> => ({ success: 0, 'clean-error': 0, crash: 0, hang: 0 });
  const counts = zero();
  const byKind: Record<string, Record<Outcome, number>> = Object.fromEntries(CASE_KINDS.map((k) => [k, zero()]));
  const examples: string[] = [];
  let peakRss = 0;
  for (let i = 0; i < cases; i++) {
    const c = factory.make(i);
    const r = await runCase(c, FUZZ_LIMITS, 30_000);
    counts[r.outcome]++;
    byKind[c.kind][r.outcome]++;
    if ((r.outcome === 'crash' || r.outcome === 'hang') && examples.length < 20) examples.push(`${c.name}: ${r.outcome}: ${r.detail}`);
    if (i % 100 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if ((i + 1) % 5000 === 0) log(`${i + 1}/${cases}: ${JSON.stringify(counts)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  // maxRSS (KiB) covers the whole run, including moments between samples.
  peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
  return { cases, seed, counts, byKind, examples, peakRssMiB: Math.round(peakRss / 2 ** 20), seconds: (Date.now() - started) / 1000 };
}
