// Training targets for a batch of samples (images already S x S): class indices, the
// CenterNet heatmap / size / offset targets with their regression mask at the head stride,
// and the full-resolution mask target.
import { Tensor, allocCpu } from '../tensor';
import type { Box, Sample } from '../data/sample';

export interface TargetOptions {
  classNames: readonly string[];
  imageSize: number;
  headStride: number;
  minOverlap?: number;   // CenterNet gaussian radius parameter, 0.7 by default
}

export interface BatchTargets {
  classIndex: Int32Array;   // (N) index into classNames
  heatmap: Tensor;          // (N, 1, h, w) gaussian peaks (exactly 1 at each box centre cell)
  size: Tensor;             // (N, 2, h, w) box width, height in head cells, at centre cells
  offset: Tensor;           // (N, 2, h, w) centre minus its cell's corner, in head cells
  regMask: Tensor;          // (N, 1, h, w) 1 at centre cells, else 0
  mask: Tensor;             // (N, 1, S, S) 0/1 mass mask
  numBoxes: number;
}

// CenterNet's radius: the largest corner shift keeping IoU >= minOverlap (Zhou et al. 2019).
export function gaussianRadius(height: number, width: number, minOverlap = 0.7): number {
  const b1 = height + width;
  const c1 = (width * height * (1 - minOverlap)) / (1 + minOverlap);
  const r1 = (b1 + Math.sqrt(b1 * b1 - 4 * c1)) / 2;
  const b2 = 2 * (height + width);
  const c2 = (1 - minOverlap) * width * height;
  const r2 = (b2 + Math.sqrt(b2 * b2 - 16 * c2)) / 2;
  const a3 = 4 * minOverlap;
  const b3 = -2 * minOverlap * (height + width);
  const c3 = (minOverlap - 1) * width * height;
  const r3 = (b3 + Math.sqrt(b3 * b3 - 4 * a3 * c3)) / 2;
  return Math.min(r1, r2, r3);
}

// Draws exp(-(dx^2+dy^2) / (2 sigma^2)), sigma = (2r+1)/6, into `plane` (h x w) by maximum.
export function drawGaussian(plane: Float32Array, w: number, h: number, cx: number, cy: number, radius: number): void {
  const sigma = (2 * radius + 1) / 6;
  for (let y = Math.max(0, cy - radius); y <= Math.min(h - 1, cy + radius); y++) {
    for (let x = Math.max(0, cx - radius); x <= Math.min(w - 1, cx + radius); x++) {
      const v = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma * sigma));
      const i = y * w + x;
      if (v > plane[i]) plane[i] = v;
    }
  }
}

// An ellipse inscribed in each box: the mask used when a sample has boxes but no mask.
function ellipseMask(boxes: readonly Box[], size: number, out: Float32Array, offset: number): void {
  for (const [x1, y1, x2, y2] of boxes) {
    const cx = (x1 + x2) / 2, cy = (y1 + y2) / 2, rx = Math.max(0.5, (x2 - x1) / 2), ry = Math.max(0.5, (y2 - y1) / 2);
    for (let y = Math.max(0, Math.floor(y1)); y < Math.min(size, Math.ceil(y2)); y++) {
      for (let x = Math.max(0, Math.floor(x1)); x < Math.min(size, Math.ceil(x2)); x++) {
        if (((x + 0.5 - cx) / rx) ** 2 + ((y + 0.5 - cy) / ry) ** 2 <= 1) out[offset + y * size + x] = 1;
      }
    }
  }
}

export function encodeTargets(samples: readonly Sample[], options: TargetOptions): BatchTargets {
  const { classNames, imageSize: S, headStride } = options;
  const minOverlap = options.minOverlap ?? 0.7;
  if (samples.length === 0) throw new RangeError('Expected at least one sample for samples but received none');
  if (S % headStride !== 0) throw new RangeError(`Expected an imageSize divisible by headStride ${headStride} but received ${S}`);
  const N = samples.length;
  const g = S / headStride;
  const classIndex = new Int32Array(N);
  // Zeroed native buffers, filled in place and wrapped without a copy (a JavaScript array per
  // step would be garbage for V8 to collect on every training step).
  const heat = allocCpu(N * g * g, true);
  const size = allocCpu(N * 2 * g * g, true);
  const offset = allocCpu(N * 2 * g * g, true);
  const reg = allocCpu(N * g * g, true);
  const mask = allocCpu(N * S * S, true);
  let numBoxes = 0;
  samples.forEach((s, n) => {
    if (s.image.width !== S || s.image.height !== S) {
      throw new RangeError(`Expected an image of ${S}x${S} for sample ${s.id} but received ${s.image.width}x${s.image.height} (resize it first)`);
    }
    const k = classNames.indexOf(s.label);
    if (k < 0) throw new RangeError(`Expected a label in [${classNames.join(', ')}] for sample ${s.id} but received ${JSON.stringify(s.label)}`);
    classIndex[n] = k;
    if (s.mask) {
      for (let i = 0; i < S * S; i++) mask[n * S * S + i] = s.mask[i] ? 1 : 0;
    } else {
      ellipseMask(s.boxes, S, mask, n * S * S);
    }
    const plane = heat.subarray(n * g * g, (n + 1) * g * g);
    for (const [x1, y1, x2, y2] of s.boxes) {
      const bw = (x2 - x1) / headStride, bh = (y2 - y1) / headStride;
      if (!(bw > 0 && bh > 0)) continue;
      const cx = (x1 + x2) / 2 / headStride, cy = (y1 + y2) / 2 / headStride;
      const ix = Math.min(g - 1, Math.max(0, Math.floor(cx)));
      const iy = Math.min(g - 1, Math.max(0, Math.floor(cy)));
      const radius = Math.max(0, Math.floor(gaussianRadius(Math.ceil(bh), Math.ceil(bw), minOverlap)));
      drawGaussian(plane, g, g, ix, iy, radius);
      const cell = iy * g + ix;
      size[(n * 2) * g * g + cell] = bw;
      size[(n * 2 + 1) * g * g + cell] = bh;
      offset[(n * 2) * g * g + cell] = cx - ix;
      offset[(n * 2 + 1) * g * g + cell] = cy - iy;
      reg[n * g * g + cell] = 1;
      numBoxes++;
    }
  });
  return {
    classIndex,
    heatmap: new Tensor(heat, [N, 1, g, g]),
    size: new Tensor(size, [N, 2, g, g]),
    offset: new Tensor(offset, [N, 2, g, g]),
    regMask: new Tensor(reg, [N, 1, g, g]),
    mask: new Tensor(mask, [N, 1, S, S]),
    numBoxes,
  };
}
