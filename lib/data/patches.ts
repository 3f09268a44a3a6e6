// Patches for the patch stage of the mammogram recipe (Shen et al. 2019: train on patches
// centred on lesions mixed with background patches, then fine-tune on whole images). Patches
// are cut from the samples as they are, at the working resolution, so the filters learned on
// them see lesions at the scale the whole-image model sees them. Each patch is a Sample of its
// own: its class is that of the lesions whose centre lies inside it (malignant over benign),
// or the background class when none does; its mass mask and boxes are cut with it.
import type { Box, GrayImage, Lesion, Sample } from './sample';
import { Rng } from '../random';

export interface PatchOptions {
  size: number;              // patch side in pixels
  perLesion: number;         // jittered patches around each located lesion
  backgroundRatio: number;   // background patches per lesion patch
  jitter: number;            // lesion centre offset, uniform in +-jitter*size
  backgroundLabel: string | null;  // class of a patch without a lesion centre (null: no background patches)
  seed: number;
}

export const PATCH_DEFAULTS: Readonly<Omit<PatchOptions, 'size' | 'backgroundLabel' | 'seed'>> = Object.freeze({ perLesion: 4, backgroundRatio: 1, jitter: 0.25 });

export interface PatchSet {
  patches: Sample[];
  lesionPatches: number;
  backgroundPatches: number;
}

const center = (b: Box): [number, number] => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];

// Breast tissue under the patch centre (the crop recipe maps the background to ~0).
const TISSUE = 0.05;

export function patchSamples(samples: readonly Sample[], o: PatchOptions): PatchSet {
  if (!Number.isInteger(o.size) || o.size < 8) throw new RangeError(`Expected an integer >= 8 for the patch size but received ${o.size}`);
  const rng = new Rng(o.seed);
  const patches: Sample[] = [];
  for (const s of samples) {
    const located = (s.meta.lesions ?? []).filter((l) => l.box[2] > l.box[0] && l.box[3] > l.box[1]);
    located.forEach((l, j) => {
      for (let k = 0; k < o.perLesion; k++) {
        const [cx, cy] = center(l.box);
        const x0 = Math.round(cx - o.size / 2 + rng.uniform(-o.jitter, o.jitter) * o.size);
        const y0 = Math.round(cy - o.size / 2 + rng.uniform(-o.jitter, o.jitter) * o.size);
        patches.push(cutPatch(s, x0, y0, o, `${s.id}#l${j}.${k}`));
      }
    });
  }
  const lesionPatches = patches.length;
  const wanted = o.backgroundLabel === null || samples.length === 0 ? 0 : Math.round(lesionPatches * o.backgroundRatio);
  for (let k = 0; k < wanted; k++) {
    const s = samples[rng.int(samples.length)];
    let x0 = 0, y0 = 0;
    for (let attempt = 0; attempt < 20; attempt++) {
      x0 = rng.int(Math.max(1, s.image.width - o.size + 1));
      y0 = rng.int(Math.max(1, s.image.height - o.size + 1));
      const cx = Math.min(s.image.width - 1, x0 + (o.size >> 1)), cy = Math.min(s.image.height - 1, y0 + (o.size >> 1));
      if (s.image.data[cy * s.image.width + cx] > TISSUE) break;
    }
    patches.push(cutPatch(s, x0, y0, o, `${s.id}#b${k}`));
  }
  return { patches, lesionPatches, backgroundPatches: wanted };
}

// The patch at (x0, y0) of side o.size; pixels outside the image are 0.
function cutPatch(s: Sample, x0: number, y0: number, o: PatchOptions, id: string): Sample {
  const n = o.size;
  const image: GrayImage = { width: n, height: n, data: new Float32Array(n * n) };
  const mask = s.mask ? new Uint8Array(n * n) : null;
  for (let y = 0; y < n; y++) {
    const sy = y0 + y;
    if (sy < 0 || sy >= s.image.height) continue;
    for (let x = 0; x < n; x++) {
      const sx = x0 + x;
      if (sx < 0 || sx >= s.image.width) continue;
      image.data[y * n + x] = s.image.data[sy * s.image.width + sx];
      if (mask) mask[y * n + x] = s.mask![sy * s.image.width + sx];
    }
  }
  const inside = (b: Box): boolean => {
    const [cx, cy] = center(b);
    return cx >= x0 && cx < x0 + n && cy >= y0 && cy < y0 + n;
  };
  const shift = (b: Box): Box => [Math.max(0, b[0] - x0), Math.max(0, b[1] - y0), Math.min(n, b[2] - x0), Math.min(n, b[3] - y0)];
  const lesions: Lesion[] = (s.meta.lesions ?? []).filter((l) => inside(l.box)).map((l) => ({ ...l, box: shift(l.box) }));
  const labels = lesions.map((l) => l.label ?? s.label);
  const label = labels.includes('malignant') ? 'malignant' : labels.length ? labels[0] : (o.backgroundLabel ?? s.label);
  return {
    id, image, mask, boxes: s.boxes.filter(inside).map(shift), label,
    meta: { source: 'patch', lesions, patchOf: s.id, patchOrigin: [x0, y0], ...(s.meta.laterality ? { laterality: s.meta.laterality } : {}) },
  };
}
