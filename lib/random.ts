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
