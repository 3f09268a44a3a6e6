// Test-only helpers: seeded random data, NaN-safe closeness checks, and a gradient check
// that compares the native backward against central finite differences of a float64
// reference forward (written plainly in TypeScript beside each op's test).
import type { Test } from 'tap';
import { Tensor } from '../../lib/tensor';

export type Rng = () => number;

// mulberry32, the library's generator (lib/random.ts).
import { mulberry32 } from '../../lib/random';

export const seededRandom: (seed: number) => Rng = mulberry32;

export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

export function randArray(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng() * 2 - 1) * scale;
  return a;
}

export function randTensor(rng: Rng, shape: number[], opts: { requiresGrad?: boolean; scale?: number } = {}): Tensor {
  const n = shape.reduce((p, s) => p * s, 1);
  return Tensor.from(randArray(rng, n, opts.scale ?? 1), shape, { requiresGrad: opts.requiresGrad ?? false });
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface CloseResult {
  ok: boolean;
  message: string;
}

// |a - e| <= atol + rtol * |e| for every element; written so that NaN fails.
export function compareClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): CloseResult {
  if (actual.length !== expected.length) {
    return { ok: false, message: `length ${actual.length} != expected length ${expected.length}` };
  }
  let worst = -1;
  let worstExcess = -Infinity;
  let bad = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const within = Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e);
    if (!within) {
      bad++;
      const excess = Number.isNaN(a - e) ? Infinity : Math.abs(a - e) - (tol.atol + tol.rtol * Math.abs(e));
      if (excess > worstExcess || worst < 0) {
        worstExcess = excess;
        worst = i;
      }
    }
  }
  if (bad === 0) return { ok: true, message: 'all close' };
  return {
    ok: false,
    message: `${bad}/${actual.length} elements differ; worst at [${worst}]: got ${actual[worst]}, expected ${expected[worst]} (atol ${tol.atol}, rtol ${tol.rtol})`,
  };
}

// A tap Test, or anything with an ok(value, message).
type Asserter = Pick<Test, 'ok'> | { ok(value: unknown, message?: string): unknown };

export function assertClose(t: Asserter, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what: string): void {
  const r = compareClose(actual, expected, tol);
  t.ok(r.ok, `${what}: ${r.message}`);
}

export interface GradCheckSpec {
  what: string;
  // Inputs; those with requiresGrad get their gradient checked.
  inputs: Tensor[];
  // The native op under test.
  run: (inputs: Tensor[]) => Tensor;
  // Float64 reference forward over the same inputs (flat row-major arrays).
  reference: (inputs: Float64Array[]) => Float64Array;
  forwardTol?: Tolerance;
  gradTol?: Tolerance;
  // Check at most this many elements per input by finite differences (sampled).
  maxChecks?: number;
  eps?: number;
  seed?: number;
}

// Checks forward against the reference, then each input gradient against finite
// differences of sum(reference(x) * dy) in float64.
export function gradCheck(t: Asserter, spec: GradCheckSpec): void {
  const forwardTol = spec.forwardTol ?? { atol: 1e-4, rtol: 1e-4 };
  const gradTol = spec.gradTol ?? { atol: 1e-3, rtol: 1e-3 };
  const eps = spec.eps ?? 1e-3;
  const rng = seededRandom(spec.seed ?? 1234);

  const out = spec.run(spec.inputs);
  const x64 = spec.inputs.map((x) => Float64Array.from(x.data));
  const ref = spec.reference(x64);
  assertClose(t, out.data, ref, forwardTol, `${spec.what} forward`);

  const wanted = spec.inputs.filter((x) => x.requiresGrad);
  if (wanted.length === 0) return;
  const dy = randArray(rng, out.numel);
  const dy64 = Float64Array.from(dy);
  if (out.numel === 1) {
    out.backward(Tensor.from(dy, [...out.shape]));
  } else {
    out.backward(Tensor.from(dy, [...out.shape]));
  }
  const objective = (xs: Float64Array[]): number => {
    const y = spec.reference(xs);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * dy64[i];
    return s;
  };

  spec.inputs.forEach((x, k) => {
    if (!x.requiresGrad) return;
    if (!x.grad) {
      t.ok(false, `${spec.what}: input ${k} got no gradient`);
      return;
    }
    const n = x.numel;
    const maxChecks = spec.maxChecks ?? 64;
    const idx: number[] = [];
    if (n <= maxChecks) for (let i = 0; i < n; i++) idx.push(i);
    else for (let i = 0; i < maxChecks; i++) idx.push(Math.floor(rng() * n));
    const got: number[] = [];
    const want: number[] = [];
    for (const i of idx) {
      const saved = x64[k][i];
      x64[k][i] = saved + eps;
      const up = objective(x64);
      x64[k][i] = saved - eps;
      const down = objective(x64);
      x64[k][i] = saved;
      want.push((up - down) / (2 * eps));
      got.push(x.grad.data[i]);
    }
    assertClose(t, got, want, gradTol, `${spec.what} d/d input ${k} (${idx.length} of ${n} elements, finite differences)`);
  });
}
