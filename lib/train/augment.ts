// Paired geometry and intensity transforms: one random draw moves the image, the mask and
// the boxes together (MONAI dictionary-transform style). Also the letterbox resize that
// puts any image into the model's S x S frame.
//
// Coordinates are continuous pixels: pixel i covers [i, i+1); boxes are [x1, y1, x2, y2)
// in that frame. An affine maps input (x, y) to output (a*x + b*y + c, d*x + e*y + f).
import type { Box, GrayImage, Sample } from '../data/sample';
import type { Rng } from './rng';

export interface AugmentOptions {
  flip?: number;                 // probability of a horizontal flip (default 0.5)
  scale?: [number, number];      // zoom range (default [0.9, 1.1])
  rotate?: number;               // max rotation in degrees (default 10)
  translate?: number;            // max shift as a fraction of the size (default 0.05)
  gamma?: [number, number];      // intensity gamma range, drawn log-uniform (default [0.8, 1.25])
  contrast?: [number, number];   // contrast factor around the mean (default [0.85, 1.15])
  noise?: number;                // max Gaussian noise sigma (default 0.02)
}

export const defaultAugment: Required<AugmentOptions> = {
  flip: 0.5, scale: [0.9, 1.1], rotate: 10, translate: 0.05, gamma: [0.8, 1.25], contrast: [0.85, 1.15], noise: 0.02,
};

// One random draw: everything a transform of one sample needs.
export interface AugmentDraw {
  flip: boolean;
  scale: number;
  angle: number;       // radians
  tx: number;          // shift as a fraction of the size
  ty: number;
  gamma: number;
  contrast: number;
  noiseSigma: number;
  noiseSeed: number;
}

export type Affine = [number, number, number, number, number, number];

export function drawAugment(rng: Rng, options: AugmentOptions = {}): AugmentDraw {
  const o = { ...defaultAugment, ...options };
  return {
    flip: rng.next() < o.flip,
    scale: rng.uniform(o.scale[0], o.scale[1]),
    angle: (rng.uniform(-o.rotate, o.rotate) * Math.PI) / 180,
    tx: rng.uniform(-o.translate, o.translate),
    ty: rng.uniform(-o.translate, o.translate),
    gamma: Math.exp(rng.uniform(Math.log(o.gamma[0]), Math.log(o.gamma[1]))),
    contrast: rng.uniform(o.contrast[0], o.contrast[1]),
    noiseSigma: rng.uniform(0, o.noise),
    noiseSeed: Math.floor(rng.next() * 4294967296),
  };
}

// The affine of a draw on an S x S image: flip, then rotate and scale about the centre, then shift.
export function augmentAffine(draw: AugmentDraw, size: number): Affine {
  const c = size / 2;
  const cos = Math.cos(draw.angle) * draw.scale;
  const sin = Math.sin(draw.angle) * draw.scale;
  const fx = draw.flip ? -1 : 1;
  // x' = R*S*(F(x) - c) + c + t, with F(x) = (size - x) when flipped (so F(x) - c = -(x - c)).
  const a = cos * fx, b = -sin, d = sin * fx, e = cos;
  return [a, b, c - a * c - b * c + draw.tx * size, d, e, c - d * c - e * c + draw.ty * size];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  const ia = e / det, ib = -b / det, id = -d / det, ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

// Bilinear warp of the image and nearest warp of the mask into a size x size output (zero outside).
function warpPixels(image: GrayImage, mask: Uint8Array | null, m: Affine, size: number): { data: Float32Array; mask: Uint8Array | null } {
  const inv = invertAffine(m);
  const { width: w, height: h, data: src } = image;
  const out = new Float32Array(size * size);
  const outMask = mask ? new Uint8Array(size * size) : null;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const x = inv[0] * (i + 0.5) + inv[1] * (j + 0.5) + inv[2];
      const y = inv[3] * (i + 0.5) + inv[4] * (j + 0.5) + inv[5];
      const k = j * size + i;
      if (outMask) {
        const mx = Math.floor(x), my = Math.floor(y);
        if (mx >= 0 && my >= 0 && mx < w && my < h) outMask[k] = mask![my * w + mx];
      }
      const fx = x - 0.5, fy = y - 0.5;
      const x0 = Math.floor(fx), y0 = Math.floor(fy);
      const ax = fx - x0, ay = fy - y0;
      let v = 0;
      for (let dy = 0; dy <= 1; dy++) {
        const yy = y0 + dy;
        if (yy < 0 || yy >= h) continue;
        const wy = dy ? ay : 1 - ay;
        for (let dx = 0; dx <= 1; dx++) {
          const xx = x0 + dx;
          if (xx < 0 || xx >= w) continue;
          v += wy * (dx ? ax : 1 - ax) * src[yy * w + xx];
        }
      }
      out[k] = v;
    }
  }
  return { data: out, mask: outMask };
}

// The box's corners through m, as an axis-aligned box clipped to the frame; null when
// less than 30% of it (or under one pixel) stays inside.
export function transformBox(box: Box, m: Affine, size: number): Box | null {
  const pts = [applyAffine(m, box[0], box[1]), applyAffine(m, box[2], box[1]), applyAffine(m, box[0], box[3]), applyAffine(m, box[2], box[3])];
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const raw: Box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  const clipped: Box = [Math.max(0, raw[0]), Math.max(0, raw[1]), Math.min(size, raw[2]), Math.min(size, raw[3])];
  const area = (b: Box): number => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
  if (clipped[2] - clipped[0] < 1 || clipped[3] - clipped[1] < 1 || area(clipped) < 0.3 * area(raw)) return null;
  return clipped;
}

// Shrinks a (rotated-corner) box to the mask pixels it covers, when there are any (so the
// box and the mask agree to the pixel).
function tightenToMask(box: Box, mask: Uint8Array, size: number): Box {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (let y = Math.floor(box[1]); y < Math.ceil(box[3]); y++) {
    for (let x = Math.floor(box[0]); x < Math.ceil(box[2]); x++) {
      if (mask[y * size + x]) {
        if (x < x1) x1 = x;
        if (x + 1 > x2) x2 = x + 1;
        if (y < y1) y1 = y;
        if (y + 1 > y2) y2 = y + 1;
      }
    }
  }
  return x2 < 0 ? box : [x1, y1, x2, y2];
}

// Warps a sample (image, mask, mass boxes and meta.lesions) by m into a size x size frame.
export function warpSample(sample: Sample, m: Affine, size: number, tighten: boolean): Sample {
  const { data, mask } = warpPixels(sample.image, sample.mask, m, size);
  const boxes: Box[] = [];
  for (const b of sample.boxes) {
    const t = transformBox(b, m, size);
    if (t) boxes.push(tighten && mask ? tightenToMask(t, mask, size) : t);
  }
  const meta = { ...sample.meta };
  if (sample.meta.lesions) {
    meta.lesions = sample.meta.lesions.flatMap((l) => {
      const t = transformBox(l.box, m, size);
      return t ? [{ ...l, box: t }] : [];
    });
  }
  return { ...sample, image: { width: size, height: size, data }, mask, boxes, meta };
}

// Gamma, contrast about the mean, then Gaussian noise; clamped to [0, 1].
export function applyIntensity(image: GrayImage, draw: AugmentDraw, noise: Rng): void {
  const d = image.data;
  for (let i = 0; i < d.length; i++) d[i] = Math.pow(Math.max(0, Math.min(1, d[i])), draw.gamma);
  let mean = 0;
  for (let i = 0; i < d.length; i++) mean += d[i];
  mean /= d.length;
  for (let i = 0; i < d.length; i++) {
    let v = (d[i] - mean) * draw.contrast + mean;
    if (draw.noiseSigma > 0) v += draw.noiseSigma * noise.normal();
    d[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
}

// The letterbox affine that fits a width x height image into size x size, centred.
export function letterboxAffine(width: number, height: number, size: number): Affine {
  const s = size / Math.max(width, height);
  return [s, 0, (size - width * s) / 2, 0, s, (size - height * s) / 2];
}

// Area-averaging letterbox resize into size x size (mask: majority of the footprint;
// boxes scaled). meta.frame records the mapping back to the original pixels.
export function letterbox(sample: Sample, size: number): Sample {
  const { width: w, height: h } = sample.image;
  if (w === size && h === size) return sample;
  const m = letterboxAffine(w, h, size);
  const s = m[0];
  const out = new Float32Array(size * size);
  const cover = new Float32Array(size * size);
  const maskSum = sample.mask ? new Float32Array(size * size) : null;
  // Splat each source pixel into the output pixels its square overlaps (exact area weights).
  for (let y = 0; y < h; y++) {
    const oy0 = y * s + m[5], oy1 = (y + 1) * s + m[5];
    for (let x = 0; x < w; x++) {
      const ox0 = x * s + m[2], ox1 = (x + 1) * s + m[2];
      const v = sample.image.data[y * w + x];
      const mv = sample.mask ? sample.mask[y * w + x] : 0;
      for (let j = Math.floor(oy0); j < Math.min(size, Math.ceil(oy1)); j++) {
        const wy = Math.min(oy1, j + 1) - Math.max(oy0, j);
        if (wy <= 0) continue;
        for (let i = Math.floor(ox0); i < Math.min(size, Math.ceil(ox1)); i++) {
          const wgt = wy * (Math.min(ox1, i + 1) - Math.max(ox0, i));
          if (wgt <= 0) continue;
          const k = j * size + i;
          out[k] += wgt * v;
          cover[k] += wgt;
          if (maskSum) maskSum[k] += wgt * mv;
        }
      }
    }
  }
  for (let k = 0; k < out.length; k++) if (cover[k] > 0) out[k] /= cover[k];
  let mask: Uint8Array | null = null;
  if (maskSum) {
    mask = new Uint8Array(size * size);
    for (let k = 0; k < mask.length; k++) mask[k] = cover[k] > 0 && maskSum[k] / cover[k] >= 0.5 ? 1 : 0;
  }
  const scaleBox = (b: Box): Box => [b[0] * s + m[2], b[1] * s + m[5], b[2] * s + m[2], b[3] * s + m[5]];
  const meta = { ...sample.meta, frame: { width: w, height: h, scale: s, offsetX: m[2], offsetY: m[5] } };
  if (sample.meta.lesions) meta.lesions = sample.meta.lesions.map((l) => ({ ...l, box: scaleBox(l.box) }));
  return { ...sample, image: { width: size, height: size, data: out }, mask, boxes: sample.boxes.map(scaleBox), meta };
}

// The full training transform of one S x S sample from one draw.
export function augmentSample(sample: Sample, draw: AugmentDraw, noise: Rng): Sample {
  const size = sample.image.width;
  const out = warpSample(sample, augmentAffine(draw, size), size, true);
  applyIntensity(out.image, draw, noise);
  return out;
}
