// Seeded random numbers for the phantom generator: one independent stream per (seed, index, purpose).
import { mulberry32 } from '../random';

export interface PhantomRandom {
  next(): number;                              // uniform [0, 1)
  uniform(lo: number, hi: number): number;     // uniform [lo, hi)
  int(lo: number, hi: number): number;         // integer in [lo, hi], both inclusive
  normal(): number;                            // standard normal (Box-Muller)
  chance(p: number): boolean;
}

// splitmix32-style integer mixer: turns (seed, index, stream) into a well-spread 32-bit state.
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    let x = (Math.floor(part) ^ Math.floor(part / 4294967296)) >>> 0;
    h = (h ^ x) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    x = (h + 0x6d2b79f5) >>> 0;
    h = x;
  }
  return h >>> 0;
}

// mulberry32 (lib/random.ts): small, fast and good enough for image synthesis.
export function createRandom(seed: number): PhantomRandom {
  let spare = NaN;
  const next = mulberry32(seed);
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    normal: () => {
      if (!Number.isNaN(spare)) {
        const s = spare;
        spare = NaN;
        return s;
      }
      const u = 1 - next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

// 65,536 fixed standard-normal samples: per-pixel noise indexes this table with a seeded
// xorshift32 stream, much cheaper than Box-Muller per pixel and just as deterministic.
let normalTable: Float32Array | null = null;
export function getNormalTable(): Float32Array {
  if (!normalTable) {
    const rng = createRandom(0x5eed);
    normalTable = new Float32Array(65536);
    for (let i = 0; i < normalTable.length; i++) normalTable[i] = rng.normal();
  }
  return normalTable;
}
