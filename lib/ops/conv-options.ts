// Resolves conv stride/padding options (a number or [h, w]) into [h, w] pairs, once.
import { describe, expectOptions, fail } from '../errors';
import type { ConvGeometry } from './cpu/conv-geometry';

export { convOutputSize } from './cpu/conv-geometry';
export type { ConvGeometry };

export interface ConvOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
}

function pair(v: unknown, name: string, min: number, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  const parts = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
  if (parts === null) fail('type', `an integer or [h, w] integers`, name, describe(v));
  for (const p of parts) {
    if (typeof p !== 'number' || !Number.isInteger(p)) fail('type', `an integer or [h, w] integers`, name, describe(v));
    if (p < min) fail('range', `integers >= ${min}`, name, typeof v === 'number' ? describe(v) : `[${parts.join(', ')}]`);
  }
  return [parts[0] as number, parts[1] as number];
}

export function resolveConvOptions(options: unknown): ConvGeometry {
  const o = expectOptions<ConvOptions>(options, 'options');
  return { stride: pair(o.stride, 'options.stride', 1, 1), padding: pair(o.padding, 'options.padding', 0, 0) };
}
