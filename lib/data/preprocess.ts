// Preprocessing for training and inference: breast-region crop (threshold + largest component),
// flip to a canonical chest-wall side, resize keeping aspect with padding to S x S, intensity
// normalisation. The Geometry record maps boxes, points and masks back to the original pixels.

import type { Box, GrayImage, Sample } from './sample';
import { resizeGray, resizeMask } from './resample';

export interface PreprocessOptions {
  size: number;                                  // output is size x size
  crop?: boolean;                                // crop to the breast region (default true)
  threshold?: number;                            // foreground level in [0, 1]; default: Otsu
  flip?: 'auto' | 'laterality' | 'content' | false; // default 'auto': laterality when known, else content
  chestWall?: 'left' | 'right';                  // canonical side of the chest wall (default 'left')
  normalize?: 'minmax' | 'zscore' | 'none';      // default 'minmax' (0.5/99.5 percentiles of the breast)
}

export interface Geometry {
  originalWidth: number;
  originalHeight: number;
  crop: { x: number; y: number; width: number; height: number };
  flipped: boolean;
  flipReason: string;
  scale: number;                                 // output pixels per original pixel
  contentWidth: number;                          // image area before the padding (right and bottom)
  contentHeight: number;
  size: number;
}

// Otsu's threshold over a 256-bin histogram of [0, 1] values.
export function otsuThreshold(data: Float32Array): number {
  const hist = new Float64Array(256);
  for (let i = 0; i < data.length; i++) hist[Math.max(0, Math.min(255, Math.floor(data[i] * 255.999)))]++;
  let total = 0, sum = 0;
  for (let i = 0; i < 256; i++) { total += hist[i]; sum += i * hist[i]; }
  let wB = 0, sumB = 0, best = 0, bestT = 0;
  for (let t = 0; t < 256; t++) {
    wB += hist[t]; if (!wB) continue;
    const wF = total - wB; if (!wF) break;
    sumB += t * hist[t];
    const mB = sumB / wB, mF = (sum - sumB) / wF;
    const between = wB * wF * (mB - mF) ** 2;
    if (between > best) { best = between; bestT = t; }
  }
  return (bestT + 1) / 256;
}

// The bounding box of the largest 4-connected component of pixels > threshold, and its pixels.
export function largestComponent(img: GrayImage, threshold: number): { x: number; y: number; width: number; height: number; pixels: Uint8Array } | null {
  const { width: w, height: h, data } = img;
  const label = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  let bestLabel = 0, bestCount = 0, bestBox = [0, 0, 0, 0], next = 0;
  for (let start = 0; start < w * h; start++) {
    if (label[start] || !(data[start] > threshold)) continue;
    next++;
    let top = 0, count = 0, x1 = w, y1 = h, x2 = -1, y2 = -1;
    stack[top++] = start; label[start] = next;
    while (top) {
      const p = stack[--top];
      count++;
      const x = p % w, y = (p - x) / w;
      if (x < x1) x1 = x; if (x > x2) x2 = x; if (y < y1) y1 = y; if (y > y2) y2 = y;
      if (x > 0 && !label[p - 1] && data[p - 1] > threshold) { label[p - 1] = next; stack[top++] = p - 1; }
      if (x < w - 1 && !label[p + 1] && data[p + 1] > threshold) { label[p + 1] = next; stack[top++] = p + 1; }
      if (y > 0 && !label[p - w] && data[p - w] > threshold) { label[p - w] = next; stack[top++] = p - w; }
      if (y < h - 1 && !label[p + w] && data[p + w] > threshold) { label[p + w] = next; stack[top++] = p + w; }
    }
    if (count > bestCount) { bestCount = count; bestLabel = next; bestBox = [x1, y1, x2, y2]; }
  }
  if (!bestLabel) return null;
  const [x1, y1, x2, y2] = bestBox;
  const pixels = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) pixels[i] = label[i] === bestLabel ? 1 : 0;
  return { x: x1, y: y1, width: x2 - x1 + 1, height: y2 - y1 + 1, pixels };
}

// Which side the chest wall is on, from how much breast touches the left vs right edge columns.
function chestWallFromContent(fg: Uint8Array, w: number, crop: Geometry['crop']): 'left' | 'right' | null {
  const band = Math.max(1, Math.round(crop.width * 0.1));
  let left = 0, right = 0;
  for (let y = crop.y; y < crop.y + crop.height; y++) {
    for (let k = 0; k < band; k++) {
      left += fg[y * w + crop.x + k];
      right += fg[y * w + crop.x + crop.width - 1 - k];
    }
  }
  if (left > 1.2 * right) return 'left';
  if (right > 1.2 * left) return 'right';
  return null;
}

function crop2d<T extends Float32Array | Uint8Array>(src: T, w: number, c: Geometry['crop'], flip: boolean): T {
  const out = new (src.constructor as { new(n: number): T })(c.width * c.height);
  for (let y = 0; y < c.height; y++) {
    const srow = (c.y + y) * w + c.x, drow = y * c.width;
    if (flip) for (let x = 0; x < c.width; x++) out[drow + x] = src[srow + c.width - 1 - x];
    else out.set(src.subarray(srow, srow + c.width) as never, drow);
  }
  return out;
}

// Normalises intensities over the breast pixels (all pixels when fg is null). Percentiles come
// from a 4096-bin histogram (exact to 1/4096 of the range), not a sort.
function normalise(data: Float32Array, fg: Uint8Array | null, mode: PreprocessOptions['normalize']): void {
  if (mode === 'none') return;
  let n = 0, lo = Infinity, hi = -Infinity, sum = 0;
  for (let i = 0; i < data.length; i++) {
    if (fg && !fg[i]) continue;
    const v = data[i]; n++; sum += v;
    if (v < lo) lo = v; if (v > hi) hi = v;
  }
  if (!n) return;
  if (mode === 'zscore') {
    const m = sum / n;
    let s = 0;
    for (let i = 0; i < data.length; i++) if (!fg || fg[i]) s += (data[i] - m) ** 2;
    const sd = Math.sqrt(s / n) || 1;
    for (let i = 0; i < data.length; i++) data[i] = (data[i] - m) / sd;
    return;
  }
  const BINS = 4096, span0 = hi > lo ? hi - lo : 1;
  const hist = new Uint32Array(BINS);
  for (let i = 0; i < data.length; i++) if (!fg || fg[i]) hist[Math.min(BINS - 1, Math.floor(((data[i] - lo) / span0) * BINS))]++;
  const edge = (q: number, upper: boolean): number => {
    const target = q * n;
    let c = 0;
    for (let b = 0; b < BINS; b++) { c += hist[b]; if (c >= target) return lo + ((b + (upper ? 1 : 0)) / BINS) * span0; }
    return hi;
  };
  const p0 = Math.max(lo, edge(0.005, false)), p1 = Math.min(hi, edge(0.995, true));
  const span = p1 > p0 ? p1 - p0 : 1;
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(1, (data[i] - p0) / span));
}

export function preprocessImage(image: GrayImage, options: PreprocessOptions, laterality?: 'L' | 'R' | null, mask?: Uint8Array | null): { image: GrayImage; mask: Uint8Array | null; geometry: Geometry } {
  const S = options.size;
  if (!Number.isInteger(S) || S < 1) throw new RangeError(`Expected a positive integer for size but received ${S}`);
  const { width: w, height: h } = image;
  const threshold = options.threshold ?? otsuThreshold(image.data);
  const comp = options.crop === false ? null : largestComponent(image, threshold);
  const crop = comp ? { x: comp.x, y: comp.y, width: comp.width, height: comp.height } : { x: 0, y: 0, width: w, height: h };
  const wanted = options.chestWall ?? 'left';
  const mode = options.flip ?? 'auto';
  let flipped = false, flipReason = 'flip disabled';
  if (mode !== false) {
    const fromLaterality = laterality ? (laterality === 'L' ? 'left' : 'right') : null;
    const fromContent = (mode === 'content' || (mode === 'auto' && !fromLaterality)) && comp ? chestWallFromContent(comp.pixels, w, crop) : null;
    const side = mode === 'content' ? fromContent : fromLaterality ?? fromContent;
    flipped = side !== null && side !== wanted;
    flipReason = side === null ? 'side unknown' : fromLaterality && mode !== 'content' ? `laterality ${laterality}` : 'image content';
  }
  const scale = S / Math.max(crop.width, crop.height);
  const cw = Math.max(1, Math.min(S, Math.round(crop.width * scale)));
  const ch = Math.max(1, Math.min(S, Math.round(crop.height * scale)));
  const cropped = crop2d(image.data, w, crop, flipped);
  const fg = comp ? crop2d(comp.pixels, w, crop, flipped) : null;
  normalise(cropped, fg, options.normalize ?? 'minmax');
  const resized = resizeGray(cropped, crop.width, crop.height, cw, ch);
  const out = new Float32Array(S * S);
  let padValue = 0;
  if (options.normalize === 'zscore') { padValue = Infinity; for (const v of resized) padValue = Math.min(padValue, v); }
  if (padValue !== 0) out.fill(padValue);
  for (let y = 0; y < ch; y++) out.set(resized.subarray(y * cw, (y + 1) * cw), y * S);
  let outMask: Uint8Array | null = null;
  if (mask) {
    const m = resizeMask(crop2d(mask, w, crop, flipped), crop.width, crop.height, cw, ch);
    outMask = new Uint8Array(S * S);
    for (let y = 0; y < ch; y++) outMask.set(m.subarray(y * cw, (y + 1) * cw), y * S);
  }
  const geometry: Geometry = { originalWidth: w, originalHeight: h, crop, flipped, flipReason, scale, contentWidth: cw, contentHeight: ch, size: S };
  return { image: { width: S, height: S, data: out }, mask: outMask, geometry };
}

export function pointToPreprocessed([x, y]: [number, number], g: Geometry): [number, number] {
  let u = x - g.crop.x;
  if (g.flipped) u = g.crop.width - u;
  return [u * g.scale, (y - g.crop.y) * g.scale];
}

export function pointToOriginal([u, v]: [number, number], g: Geometry): [number, number] {
  let x = u / g.scale;
  if (g.flipped) x = g.crop.width - x;
  return [x + g.crop.x, v / g.scale + g.crop.y];
}

function mapBox(b: Box, f: (p: [number, number]) => [number, number]): Box {
  const [ax, ay] = f([b[0], b[1]]), [bx, by] = f([b[2], b[3]]);
  return [Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by)];
}

export const boxToPreprocessed = (b: Box, g: Geometry): Box => mapBox(b, (p) => pointToPreprocessed(p, g));
export const boxToOriginal = (b: Box, g: Geometry): Box => mapBox(b, (p) => pointToOriginal(p, g));

// A size x size mask (e.g. a prediction) back in the original image's pixels (nearest centre).
export function maskToOriginal(mask: Uint8Array | Float32Array, g: Geometry, threshold = 0.5): Uint8Array {
  const out = new Uint8Array(g.originalWidth * g.originalHeight);
  for (let y = g.crop.y; y < g.crop.y + g.crop.height; y++) {
    for (let x = g.crop.x; x < g.crop.x + g.crop.width; x++) {
      const [u, v] = pointToPreprocessed([x + 0.5, y + 0.5], g);
      const ui = Math.min(g.contentWidth - 1, Math.floor(u)), vi = Math.min(g.contentHeight - 1, Math.floor(v));
      if (ui >= 0 && vi >= 0 && mask[vi * g.size + ui] >= threshold) out[y * g.originalWidth + x] = 1;
    }
  }
  return out;
}

// Preprocesses a sample: image, mask, boxes and lesion boxes move together; meta.geometry keeps
// the inverse mapping.
export function preprocessSample(sample: Sample, options: PreprocessOptions): { sample: Sample; geometry: Geometry } {
  const r = preprocessImage(sample.image, options, sample.meta.laterality ?? null, sample.mask);
  const g = r.geometry;
  // Clip to the crop's exact extent in output pixels, so that boxToOriginal gives back the
  // original box clipped to the crop.
  const cw = g.crop.width * g.scale, ch = g.crop.height * g.scale;
  const clip = (b: Box): Box => [Math.max(0, b[0]), Math.max(0, b[1]), Math.min(cw, b[2]), Math.min(ch, b[3])];
  // Boxes cut off by the crop entirely (outside the breast region) are dropped.
  const boxes = sample.boxes.map((b) => clip(boxToPreprocessed(b, g))).filter((b) => b[2] > b[0] && b[3] > b[1]);
  const lesions = sample.meta.lesions?.map((l) => ({ ...l, box: clip(boxToPreprocessed(l.box, g)) }));
  return {
    sample: { ...sample, image: r.image, mask: r.mask, boxes, meta: { ...sample.meta, ...(lesions ? { lesions } : {}), geometry: g } },
    geometry: g,
  };
}
