// The Chrome trace event format (a JSON array of complete 'X' events, times in microseconds)
// for a profile: one span per step and per phase, one per kernel call inside them, so a step
// opens in chrome://tracing or https://ui.perfetto.dev.
import type { KernelEvent } from './kernel-timer';
import type { StepMarks } from './profile-report';

export interface TraceEvent {
  name: string;
  cat: string;
  ph: 'X';
  ts: number;    // µs from the first profiled step's start
  dur: number;   // µs
  pid: number;
  tid: number;
  args?: Record<string, number | string>;
}

export function chromeTrace(events: readonly KernelEvent[], marks: readonly StepMarks[]): TraceEvent[] {
  const t0 = marks.length ? marks[0].start : 0;
  const round = (v: number): number => Math.round(v * 1000) / 1000;   // ns precision
  const us = (ms: number): number => round((ms - t0) * 1000);
  const span = (name: string, cat: string, from: number, to: number, args?: TraceEvent['args']): TraceEvent =>
    ({ name, cat, ph: 'X', ts: us(from), dur: Math.max(0, round(us(to) - us(from))), pid: 1, tid: 1, ...(args ? { args } : {}) });
  const out: TraceEvent[] = [];
  marks.forEach((m, k) => {
    out.push(span(`step ${k + 1}`, 'step', m.start, m.end));
    out.push(span('forward', 'phase', m.start, m.forwardEnd));
    if (m.backwardEnd > m.forwardEnd) out.push(span('backward', 'phase', m.forwardEnd, m.backwardEnd));
    if (m.end > m.backwardEnd) out.push(span('update', 'phase', m.backwardEnd, m.end));
  });
  for (const e of events) {
    out.push(span(e.kernel, e.phase, e.start, e.start + e.dur, {
      kind: e.kind, ...(e.flops > 0 ? { gflop: e.flops / 1e9 } : {}), bytes: e.bytes, shapes: e.shapes,
    }));
  }
  return out.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
}
