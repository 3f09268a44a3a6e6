// Prepares one batch: for each sample index, its (optionally augmented) S x S version and the
// packed (N,1,S,S) pixels. Pure and deterministic: every sample's random draw comes from
// (seed, epoch, index), so results do not depend on which thread prepares the batch or when.
import type { Sample } from '../data/sample';
import { augmentSample, drawAugment, type AugmentOptions } from './augment';
import { Rng, deriveSeed } from './rng';

export interface BatchRequest {
  indices: number[];
  epoch: number;
  seed: number;
  augment: AugmentOptions | false;
}

export interface PreparedBatch {
  pixels: Float32Array;   // (N,1,S,S) row-major
  samples: Sample[];      // the transformed samples (image, mask, boxes in the S x S frame)
}

// samples: already letterboxed to size x size.
export function prepareBatch(samples: readonly Sample[], req: BatchRequest, size: number): PreparedBatch {
  const pixels = new Float32Array(req.indices.length * size * size);
  const out = req.indices.map((index, n) => {
    const src = samples[index];
    let s: Sample = src;
    if (req.augment) {
      const rng = new Rng(deriveSeed(req.seed, req.epoch, index));
      const draw = drawAugment(rng, req.augment);
      s = augmentSample(src, draw, new Rng(draw.noiseSeed));
    }
    pixels.set(s.image.data, n * size * size);
    return s;
  });
  return { pixels, samples: out };
}
