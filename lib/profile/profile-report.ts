// Sums a profile's kernel events per op kind (per step, averaged over the profiled steps):
// calls, forward / backward / update ms, share of the step, GFLOP/s where the FLOPs are known,
// MB moved; the step's wall time less its kernel time is the JS time between kernels.
import type { KernelEvent } from './kernel-timer';

// performance.now() marks of one step: its start, the ends of forward and backward, its end.
export interface StepMarks {
  start: number;
  forwardEnd: number;
  backwardEnd: number;
  end: number;
}

export interface ProfileRow {
  kind: string;             // op kind (conv2d, batchNorm2d, ...)
  calls: number;            // kernel calls per step, every phase
  forwardMs: number;
  backwardMs: number;
  updateMs: number;         // optimizer kernels
  share: number;            // of the step's wall time
  gflop: number;            // per step; 0 where FLOPs are not counted for this kind
  gflopPerS: number | null;
  mbMoved: number;          // tensors read and written, per step (MB = 1e6 bytes)
}

export interface ProfileReport {
  preset: string;
  imageSize: number;
  batch: number;
  mode: 'train' | 'inference';
  threads: number;
  steps: number;
  stepMs: number;           // mean wall time of a profiled step
  forwardMs: number;        // wall time of each phase (kernels + JS)
  backwardMs: number;
  updateMs: number;
  kernelMs: number;         // sum of the rows
  jsMs: number;             // stepMs - kernelMs: JavaScript between kernels
  jsShare: number;
  gflopPerS: number | null; // FLOP-counted kernels' FLOPs over the step's wall time
  rows: ProfileRow[];       // largest share first
}

export function summarizeProfile(events: readonly KernelEvent[], marks: readonly StepMarks[],
  about: Pick<ProfileReport, 'preset' | 'imageSize' | 'batch' | 'mode' | 'threads'>): ProfileReport {
  const n = marks.length;
  const mean = (f: (m: StepMarks) => number): number => marks.reduce((s, m) => s + f(m), 0) / n;
  const stepMs = mean((m) => m.end - m.start);
  const byKind = new Map<string, ProfileRow & { flops: number; bytes: number }>();
  for (const e of events) {
    let row = byKind.get(e.kind);
    if (!row) {
      row = { kind: e.kind, calls: 0, forwardMs: 0, backwardMs: 0, updateMs: 0, share: 0, gflop: 0, gflopPerS: null, mbMoved: 0, flops: 0, bytes: 0 };
      byKind.set(e.kind, row);
    }
    row.calls++;
    if (e.phase === 'forward') row.forwardMs += e.dur;
    else if (e.phase === 'backward') row.backwardMs += e.dur;
    else row.updateMs += e.dur;
    row.flops += e.flops;
    row.bytes += e.bytes;
  }
  let kernelMs = 0;
  let flops = 0;
  const rows: ProfileRow[] = [...byKind.values()].map(({ flops: f, bytes, ...row }) => {
    const ms = row.forwardMs + row.backwardMs + row.updateMs;
    kernelMs += ms / n;
    flops += f / n;
    return {
      ...row,
      calls: row.calls / n,
      forwardMs: row.forwardMs / n,
      backwardMs: row.backwardMs / n,
      updateMs: row.updateMs / n,
      share: ms / n / stepMs,
      gflop: f / n / 1e9,
      gflopPerS: f > 0 ? f / 1e9 / (ms / 1e3) : null,
      mbMoved: bytes / n / 1e6,
    };
  });
  rows.sort((a, b) => b.share - a.share);
  const jsMs = stepMs - kernelMs;
  return {
    ...about,
    steps: n,
    stepMs,
    forwardMs: mean((m) => m.forwardEnd - m.start),
    backwardMs: mean((m) => m.backwardEnd - m.forwardEnd),
    updateMs: mean((m) => m.end - m.backwardEnd),
    kernelMs,
    jsMs,
    jsShare: jsMs / stepMs,
    gflopPerS: flops > 0 ? flops / 1e9 / (stepMs / 1e3) : null,
    rows,
  };
}

const fixed = (v: number, digits: number, width: number): string => v.toFixed(digits).padStart(width);

export function formatProfile(r: ProfileReport): string {
  const what = r.mode === 'train'
    ? 'training step (train-mode forward, backward of sum(out_i * r_i), SGD momentum)'
    : 'inference forward (eval, no tape)';
  const lines = [
    `FTMTLNet ${what}, preset ${r.preset}, ${r.imageSize} px, batch ${r.batch}, ${r.threads} threads; mean of ${r.steps} profiled steps`,
    `step ${r.stepMs.toFixed(1)} ms (forward ${r.forwardMs.toFixed(1)}, backward ${r.backwardMs.toFixed(1)}, update ${r.updateMs.toFixed(1)}); ` +
      `kernels ${r.kernelMs.toFixed(1)} ms, JS between kernels ${r.jsMs.toFixed(1)} ms (${(100 * r.jsShare).toFixed(1)}%)` +
      (r.gflopPerS !== null ? `; ${r.gflopPerS.toFixed(1)} GFLOP/s over the step` : ''),
    'op kind                 calls  forward ms  backward ms  update ms   share  GFLOP/s   MB moved',
  ];
  const row = (kind: string, calls: string, f: number, b: number, u: number, share: number, gflops: number | null, mb: string): string =>
    `${kind.padEnd(22)} ${calls.padStart(6)}  ${fixed(f, 2, 10)}  ${fixed(b, 2, 11)}  ${fixed(u, 2, 9)}  ${fixed(100 * share, 1, 5)}%  ` +
    `${(gflops === null ? '-' : gflops.toFixed(1)).padStart(7)}  ${mb.padStart(9)}`;
  for (const x of r.rows) lines.push(row(x.kind, String(Math.round(x.calls)), x.forwardMs, x.backwardMs, x.updateMs, x.share, x.gflopPerS, x.mbMoved.toFixed(1)));
  lines.push(row('JS between kernels', '-', r.forwardMs - sumOf(r.rows, 'forwardMs'), r.backwardMs - sumOf(r.rows, 'backwardMs'),
    r.updateMs - sumOf(r.rows, 'updateMs'), r.jsShare, null, '-'));
  return lines.join('\n');
}

function sumOf(rows: readonly ProfileRow[], key: 'forwardMs' | 'backwardMs' | 'updateMs'): number {
  return rows.reduce((s, x) => s + x[key], 0);
}
