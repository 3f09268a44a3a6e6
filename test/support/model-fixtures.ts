// Test-only: tiny synthetic samples (a bright disk = the mass) and batches for model tests.
import { Tensor } from '../../lib/tensor';
import type { Box, Sample } from '../../lib/data/sample';
import { seededRandom } from './check';

export function diskSample(id: string, size: number, box: Box | null, label: string, seed = 1): Sample {
  const rng = seededRandom(seed);
  const data = new Float32Array(size * size);
  const mask = new Uint8Array(size * size);
  for (let i = 0; i < data.length; i++) data[i] = 0.2 + 0.1 * rng();
  if (box) {
    const [x1, y1, x2, y2] = box;
    const cx = (x1 + x2) / 2, cy = (y1 + y2) / 2, rx = (x2 - x1) / 2, ry = (y2 - y1) / 2;
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
      if (((x + 0.5 - cx) / rx) ** 2 + ((y + 0.5 - cy) / ry) ** 2 <= 1) {
        data[y * size + x] = 0.8;
        mask[y * size + x] = 1;
      }
    }
  }
  return { id, image: { width: size, height: size, data }, mask, boxes: box ? [box] : [], label, meta: {} };
}

export function batchImages(samples: Sample[]): Tensor {
  const S = samples[0].image.width;
  const x = new Float32Array(samples.length * S * S);
  samples.forEach((s, n) => x.set(s.image.data, n * S * S));
  return Tensor.from(x, [samples.length, 1, S, S]);
}

export function maxAbs(t: Tensor | null): number {
  if (!t) return 0;
  let m = 0;
  for (let i = 0; i < t.data.length; i++) m = Math.max(m, Math.abs(t.data[i]));
  return m;
}
