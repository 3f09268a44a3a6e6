// Argument checks with one message shape, "Expected <what> for <name> but received <what was
// given>", for every layer (ops, model, data, training). Tensor-specific checks live in
// lib/ops/check.ts; this module sits below tensor.ts and imports nothing.

// Tensor.prototype carries this brand, so describe() can name tensors without importing
// tensor.ts (which imports this module).
export const TENSOR_BRAND: unique symbol = Symbol.for('ftmtlnet.Tensor') as never;

function isTensorLike(v: object): v is { shape: readonly number[]; device: string } {
  return (v as Record<symbol, unknown>)[TENSOR_BRAND] === true;
}

export function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'object' && isTensorLike(v)) return `a tensor of shape [${v.shape.join(', ')}] on ${v.device}`;
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
