// Argument validation for every public op, with one message shape:
// "Expected <what> for <name> but received <what was given>".
import { Tensor } from '../tensor';

export function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (v instanceof Tensor) return `a tensor of shape [${v.shape.join(', ')}] on ${v.device}`;
  if (v instanceof Float32Array) return `Float32Array(${v.length})`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as { length: number }).length})`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  return typeof v;
}

export function fail(kind: 'type' | 'range', expected: string, name: string, received: string): never {
  const msg = `Expected ${expected} for ${name} but received ${received}`;
  throw kind === 'type' ? new TypeError(msg) : new RangeError(msg);
}

export function expectTensor(v: unknown, name: string): Tensor {
  if (!(v instanceof Tensor)) fail('type', 'a Tensor', name, describe(v));
  return v;
}

export function expectTensorOrNull(v: unknown, name: string): Tensor | null {
  if (v === null || v === undefined) return null;
  return expectTensor(v, name);
}

const RANK_NAMES: Record<number, string> = { 1: '(C)', 2: '(N,C)', 4: '(N,C,H,W)' };

export function expectRank(t: Tensor, rank: number, name: string): Tensor {
  if (t.shape.length !== rank) {
    const layout = RANK_NAMES[rank] ? ` ${RANK_NAMES[rank]}` : '';
    fail('range', `a rank-${rank} tensor${layout}`, name, `shape [${t.shape.join(', ')}]`);
  }
  return t;
}

export function expectShape(t: Tensor, shape: readonly number[], name: string): Tensor {
  if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
    fail('range', `shape [${shape.join(', ')}]`, name, `shape [${t.shape.join(', ')}]`);
  }
  return t;
}

// All tensors must be on the device of the first one.
export function expectSameDevice(tensors: Record<string, Tensor | null>): string {
  const entries = Object.entries(tensors).filter(([, t]) => t !== null) as [string, Tensor][];
  const [firstName, first] = entries[0];
  for (const [name, t] of entries.slice(1)) {
    if (t.device !== first.device) {
      fail('type', `a tensor on ${first.device} (the device of ${firstName})`, name, `a tensor on ${t.device}`);
    }
  }
  return first.device;
}

export function expectInt(v: unknown, name: string, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail('type', 'an integer', name, describe(v));
  const range = max === Infinity ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  if (v < min || v > max) fail('range', range, name, describe(v));
  return v;
}

export function expectNumber(v: unknown, name: string, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || Number.isNaN(v)) fail('type', 'a number', name, describe(v));
  if (v < min || v > max) fail('range', `a number from ${min} to ${max}`, name, describe(v));
  return v;
}

export function expectOneOf<T extends string>(v: unknown, options: readonly T[], name: string): T {
  if (typeof v !== 'string' || !options.includes(v as T)) {
    fail('type', `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`, name, describe(v));
  }
  return v as T;
}

export function expectBool(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') fail('type', 'a boolean', name, describe(v));
  return v;
}

// An options object (or undefined, meaning all defaults).
export function expectOptions<T extends object>(v: unknown, name: string): Partial<T> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('type', 'an options object', name, describe(v));
  return v as Partial<T>;
}
