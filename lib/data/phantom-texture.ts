// 1/f-like texture for phantoms: a sum of octaves of smoothly interpolated value noise.
import type { PhantomRandom } from './phantom-random';

export interface NoiseOptions {
  baseCells: number;    // grid cells across the width in the coarsest octave
  octaves: number;      // each octave doubles the cell count
  persistence: number;  // amplitude ratio between consecutive octaves (0.5 ~ 1/f amplitude)
  aspect?: number;      // cells down / cells across (< 1 stretches the texture vertically; > 1 horizontally)
}

// Quintic fade: C2-continuous interpolation weight, avoids visible grid lines.
function fade(t: number): number {
  return t * t * t * (t * (t * 6 - 15) + 10);
}

// Adds amplitude * (one octave of value noise in [-1, 1]) to out (width*height, row-major).
function addValueNoise(out: Float32Array, width: number, height: number, cellsX: number, cellsY: number, amplitude: number, rng: PhantomRandom): void {
  const gw = cellsX + 2;
  const gh = cellsY + 2;
  const grid = new Float32Array(gw * gh);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.next() * 2 - 1;
  // Interpolate every grid row along x once, then each pixel is one lerp between two such rows.
  const rows = new Float32Array(gh * width);
  for (let x = 0; x < width; x++) {
    const g = ((x + 0.5) / width) * cellsX;
    const i = Math.floor(g);
    const w = fade(g - i);
    for (let r = 0; r < gh; r++) {
      const a = grid[r * gw + i];
      rows[r * width + x] = a + (grid[r * gw + i + 1] - a) * w;
    }
  }
  for (let y = 0; y < height; y++) {
    const g = ((y + 0.5) / height) * cellsY;
    const iy = Math.floor(g);
    const wy = fade(g - iy);
    const r0 = iy * width;
    const r1 = r0 + width;
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const a = rows[r0 + x];
      out[o + x] += amplitude * (a + (rows[r1 + x] - a) * wy);
    }
  }
}

// Octave noise normalised to zero mean and unit standard deviation.
export function octaveNoise(width: number, height: number, rng: PhantomRandom, options: NoiseOptions): Float32Array {
  const out = new Float32Array(width * height);
  const aspect = options.aspect ?? 1;
  let amplitude = 1;
  for (let o = 0; o < options.octaves; o++) {
    const cellsX = Math.max(1, Math.round(options.baseCells * 2 ** o));
    const cellsY = Math.max(1, Math.round(cellsX * aspect));
    addValueNoise(out, width, height, cellsX, cellsY, amplitude, rng);
    amplitude *= options.persistence;
  }
  let mean = 0;
  for (let i = 0; i < out.length; i++) mean += out[i];
  mean /= out.length;
  let variance = 0;
  for (let i = 0; i < out.length; i++) variance += (out[i] - mean) ** 2;
  const inv = 1 / Math.sqrt(variance / out.length + 1e-12);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] - mean) * inv;
  return out;
}
