// Seeded weight initialisation: a small deterministic RNG and Kaiming (He) normal init.
import { Tensor } from '../tensor';

export type Rng = () => number;

// mulberry32: fast, seeded, deterministic across platforms.
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Standard normal by Box-Muller (one value per call; simple and deterministic).
export function normal(rng: Rng): number {
  let u = rng();
  while (u <= 1e-12) u = rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

// Kaiming normal for ReLU nets: std = sqrt(2 / fanIn) (PyTorch kaiming_normal_, mode fan_in).
export function kaimingNormal(shape: readonly number[], fanIn: number, rng: Rng, gain = Math.SQRT2): Tensor {
  const n = shape.reduce((p, s) => p * s, 1);
  const data = new Float32Array(n);
  const std = gain / Math.sqrt(fanIn);
  for (let i = 0; i < n; i++) data[i] = normal(rng) * std;
  return Tensor.from(data, shape, { requiresGrad: true });
}

// Uniform(-bound, bound), used for biases (PyTorch default: bound = 1/sqrt(fanIn)).
export function uniform(shape: readonly number[], bound: number, rng: Rng): Tensor {
  const n = shape.reduce((p, s) => p * s, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (rng() * 2 - 1) * bound;
  return Tensor.from(data, shape, { requiresGrad: true });
}

export function constant(shape: readonly number[], value: number, requiresGrad: boolean): Tensor {
  const t = Tensor.full(shape, value);
  t.requiresGrad = requiresGrad;
  return t;
}
