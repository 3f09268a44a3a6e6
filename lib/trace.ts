// Op tracing: every public op reports (op, inputs, outputs, attributes) here. Nothing is
// recorded unless a tracer is active (ONNX export runs the model's forward under one).
import type { Tensor } from './tensor';

export interface TracedOp {
  op: string;                          // our op name: 'conv2d', 'relu', 'featureTransfer', ...
  inputs: readonly (Tensor | null)[];  // in the op's argument order (null for an absent bias)
  outputs: readonly Tensor[];
  attrs: Readonly<Record<string, unknown>>;  // the op's resolved options (stride, padding, ...)
}

export type Tracer = (op: TracedOp) => void;

let active: Tracer | null = null;

export function traceOp(
  op: string,
  inputs: readonly (Tensor | null)[],
  outputs: readonly Tensor[],
  attrs: Readonly<Record<string, unknown>> = {},
): void {
  if (active) active({ op, inputs, outputs, attrs });
}

// True while a tracer is active (fused inference shortcuts stand aside so exports see every op).
export function isTracing(): boolean {
  return active !== null;
}

// Runs fn with `tracer` receiving every op; tracers do not nest.
export function withTracer<T>(tracer: Tracer, fn: () => T): T {
  if (active) throw new Error('a tracer is already active');
  active = tracer;
  try {
    return fn();
  } finally {
    active = null;
  }
}
