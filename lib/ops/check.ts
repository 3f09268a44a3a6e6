// Tensor argument checks of the ops (type, rank, shape, device), in the message shape of
// lib/errors.ts.
import { Tensor } from '../tensor';
import { describe, fail } from '../errors';

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
