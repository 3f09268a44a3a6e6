// Seeded weight initialisation: a small deterministic RNG and Kaiming (He) normal init.
import { Tensor } from '../tensor';
import { mulberry32 } from '../random';

export type Rng = () => number;

// mulberry32 (lib/random.ts): fast, seeded, deterministic across platforms.
export function seededRng(seed: number): Rng {
  return mulberry32(seed);
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
