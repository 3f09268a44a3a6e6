// mulberry32, the one seeded generator of the library (weight initialisation, the trainer's
// saved RNG, phantoms, tests): a 32-bit state, fast, the same sequence on every platform.

// The state after `state` (a stream advances before each draw).
export function mulberry32Advance(state: number): number {
  return (state + 0x6d2b79f5) >>> 0;
}

// The uniform [0, 1) value drawn at an (advanced) state.
export function mulberry32Value(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

// A seeded stream of uniform [0, 1) values.
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = mulberry32Advance(a);
    return mulberry32Value(a);
  };
}

// A small seeded random generator whose whole state is one 32-bit integer (mulberry32), so
// the trainer can save and restore it; plus a hash that derives independent seeds. (Below the
// data, evaluation and training code, which all draw from it.)
export class Rng {
  state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  // Uniform in [0, 1).
  next(): number {
    this.state = mulberry32Advance(this.state);
    return mulberry32Value(this.state);
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  // Integer in [0, n).
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  // Standard normal (Box-Muller, one value per call).
  normal(): number {
    let u = this.next();
    while (u <= 1e-12) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  // Fisher-Yates permutation of [0, n).
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }
}

// A 32-bit seed derived from several integers (order matters), for per-epoch and
// per-sample streams that do not depend on the order batches are prepared in.
export function deriveSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995) >>> 0;
    h ^= h >>> 15;
  }
  return h >>> 0;
}
