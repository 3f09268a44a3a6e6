// Phantom calcifications: clusters of small bright specks (annotated as lesions, never as masses).
import type { Box } from './sample';
import type { PhantomRandom } from './phantom-random';

export interface CalcificationCluster {
  specks: { x: number; y: number; sigma: number; amplitude: number }[];
}

export function sampleCalcificationCluster(size: number, cx: number, cy: number, rng: PhantomRandom): CalcificationCluster {
  const spread = size * rng.uniform(0.012, 0.03);
  const px = Math.max(size / 256, 0.6);
  const n = rng.int(3, 9);
  const specks = [];
  for (let i = 0; i < n; i++) {
    specks.push({
      x: cx + spread * rng.normal(),
      y: cy + spread * rng.normal(),
      sigma: px * rng.uniform(0.45, 0.85),
      amplitude: rng.uniform(0.2, 0.42),
    });
  }
  return { specks };
}

// Adds the specks to image; returns the cluster's bounding box (pixels, x2/y2 exclusive).
export function renderCalcificationCluster(c: CalcificationCluster, image: Float32Array, size: number): Box {
  let bx0 = size, by0 = size, bx1 = 0, by1 = 0;
  for (const s of c.specks) {
    const reach = Math.ceil(3 * s.sigma) + 1;
    const x0 = Math.max(0, Math.floor(s.x) - reach), x1 = Math.min(size - 1, Math.floor(s.x) + reach);
    const y0 = Math.max(0, Math.floor(s.y) - reach), y1 = Math.min(size - 1, Math.floor(s.y) + reach);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - s.x;
        const dy = y + 0.5 - s.y;
        image[y * size + x] += s.amplitude * Math.exp(-(dx * dx + dy * dy) / (2 * s.sigma * s.sigma));
      }
    }
    bx0 = Math.min(bx0, x0); by0 = Math.min(by0, y0);
    bx1 = Math.max(bx1, x1 + 1); by1 = Math.max(by1, y1 + 1);
  }
  return [bx0, by0, Math.max(bx1, bx0 + 1), Math.max(by1, by0 + 1)];
}
