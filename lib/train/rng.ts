// The trainer's Rng and deriveSeed live in lib/random.ts (the data and evaluation code draw
// from them too); re-exported here for the training code's imports.
export { Rng, deriveSeed } from '../random';
