// Times every kernel call while active: installs a wrap in the registry's profiler slot
// (lib/registry.ts setKernelWrap) and records one event per outermost kernel call, tagged with
// the phase the caller has set (forward, backward, update). A kernel called from inside another
// kernel counts in its caller's time.
import { setKernelWrap } from '../registry';
import { kernelFlops, opKind, tensorBytes, tensorShapes } from './kernel-cost';

export type Phase = 'forward' | 'backward' | 'update';

export interface KernelEvent {
  kernel: string;     // registered name, e.g. conv2dBackwardData
  kind: string;       // op kind, e.g. conv2d
  backend: string;
  phase: Phase;
  start: number;      // ms, performance.now()
  dur: number;        // ms
  flops: number;      // 0 where unknown
  bytes: number;      // tensors read and written
  shapes: string;     // tensor argument shapes -> result shapes
}

export class KernelTimer {
  readonly events: KernelEvent[] = [];
  phase: Phase = 'forward';
  private depth = 0;
  private active = false;

  start(): void {
    if (this.active) throw new Error('the kernel timer is already running');
    setKernelWrap((op, backend, fn) => this.wrap(op, backend, fn));
    this.active = true;
  }

  stop(): void {
    if (!this.active) return;
    setKernelWrap(null);
    this.active = false;
  }

  // Runs fn with every kernel it calls attributed to `phase`.
  inPhase<T>(phase: Phase, fn: () => T): T {
    const before = this.phase;
    this.phase = phase;
    try {
      return fn();
    } finally {
      this.phase = before;
    }
  }

  private wrap<F extends (...args: never[]) => unknown>(kernel: string, backend: string, fn: F): F {
    return ((...args: never[]) => {
      if (this.depth > 0) return fn(...args);
      this.depth++;
      const t0 = performance.now();
      let result: unknown;
      try {
        result = fn(...args);
      } finally {
        this.depth--;
      }
      const t1 = performance.now();
      this.events.push({
        kernel, kind: opKind(kernel), backend, phase: this.phase, start: t0, dur: t1 - t0,
        flops: kernelFlops(kernel, args, result), bytes: tensorBytes(args) + tensorBytes(result),
        shapes: tensorShapes(args, result),
      });
      return result;
    }) as F;
  }
}
