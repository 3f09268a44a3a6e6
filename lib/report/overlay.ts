// Prediction overlays: the greyscale image with predicted boxes + scores and the predicted mask
// outline (and optionally the ground truth) drawn as an SVG layer composited by sharp.
import sharp from 'sharp';
import type { Box, GrayImage } from '../data/sample';

export interface OverlayPrediction {
  label?: string;
  probabilities?: number[];
  classes?: string[];
  detections: { box: Box | number[]; score: number }[];
  mask?: { width: number; height: number; data: Uint8Array } | null;
}

export interface OverlayOptions {
  groundTruth?: { boxes?: Box[]; mask?: Uint8Array | null; label?: string };
  scale?: number;            // output pixels per image pixel (default: smallest integer making the side >= 256)
  scoreThreshold?: number;   // draw detections with score >= this (default 0.3)
  maxDetections?: number;    // at most this many, highest scores first (default 5)
}

const PRED = '#ff3b30';
const MASK = '#ffd60a';
const TRUTH = '#34c759';

// SVG path of the boundary between mask and background pixels (pixel edges, scaled).
export function maskOutlinePath(mask: ArrayLike<number>, width: number, height: number, scale: number): string {
  const on = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] !== 0;
  const parts: string[] = [];
  // Horizontal edges: between rows y-1 and y, merged into runs along x.
  for (let y = 0; y <= height; y++) {
    let start = -1;
    for (let x = 0; x <= width; x++) {
      const edge = x < width && on(x, y - 1) !== on(x, y);
      if (edge && start < 0) start = x;
      if (!edge && start >= 0) {
        parts.push(`M${start * scale} ${y * scale}H${x * scale}`);
        start = -1;
      }
    }
  }
  // Vertical edges: between columns x-1 and x, merged into runs along y.
  for (let x = 0; x <= width; x++) {
    let start = -1;
    for (let y = 0; y <= height; y++) {
      const edge = y < height && on(x - 1, y) !== on(x, y);
      if (edge && start < 0) start = y;
      if (!edge && start >= 0) {
        parts.push(`M${x * scale} ${start * scale}V${y * scale}`);
        start = -1;
      }
    }
  }
  return parts.join('');
}

const escapeXml = (s: string): string => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

function rect(b: ArrayLike<number>, scale: number, color: string, dash: boolean): string {
  const [x1, y1, x2, y2] = [b[0] * scale, b[1] * scale, b[2] * scale, b[3] * scale];
  return `<rect x="${x1}" y="${y1}" width="${Math.max(1, x2 - x1)}" height="${Math.max(1, y2 - y1)}" fill="none" stroke="${color}" stroke-width="2"${dash ? ' stroke-dasharray="6 4"' : ''}/>`;
}

function label(x: number, y: number, text: string, color: string, font: number): string {
  const w = Math.ceil(text.length * font * 0.62) + 6;
  return `<rect x="${x}" y="${y - font - 3}" width="${w}" height="${font + 5}" fill="black" fill-opacity="0.6"/>` +
    `<text x="${x + 3}" y="${y - 2}" font-family="sans-serif" font-size="${font}" fill="${color}">${escapeXml(text)}</text>`;
}

// PNG (RGB) of the image (values in [0, 1]) with the prediction drawn on it; size = image size * scale.
export async function renderOverlay(image: GrayImage, prediction: OverlayPrediction, options: OverlayOptions = {}): Promise<Buffer> {
  const { width, height, data } = image;
  const scale = options.scale ?? Math.max(1, Math.ceil(256 / Math.max(width, height)));
  const W = width * scale;
  const H = height * scale;
  const font = Math.max(10, Math.round(Math.min(W, H) / 28));
  const grey = Buffer.alloc(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = Math.round(Math.min(1, Math.max(0, data[i])) * 255);
  const base = await sharp(grey, { raw: { width, height, channels: 1 } })
    .resize(W, H, { kernel: scale > 1 ? 'nearest' : 'lanczos3' })
    .toColourspace('srgb')
    .png()
    .toBuffer();

  const svg: string[] = [];
  const gt = options.groundTruth;
  if (gt?.mask) svg.push(`<path d="${maskOutlinePath(gt.mask, width, height, scale)}" stroke="${TRUTH}" stroke-width="1.5" fill="none" stroke-dasharray="3 3"/>`);
  for (const b of gt?.boxes ?? []) svg.push(rect(b, scale, TRUTH, true));
  const m = prediction.mask;
  if (m) {
    if (m.width !== width || m.height !== height) throw new RangeError(`Expected a ${width}x${height} mask for prediction.mask but received ${m.width}x${m.height}`);
    svg.push(`<path d="${maskOutlinePath(m.data, width, height, scale)}" stroke="${MASK}" stroke-width="2" fill="none"/>`);
  }
  const threshold = options.scoreThreshold ?? 0.3;
  const shown = [...prediction.detections].filter((d) => d.score >= threshold).sort((a, b) => b.score - a.score).slice(0, options.maxDetections ?? 5);
  for (const d of shown) {
    svg.push(rect(d.box, scale, PRED, false));
    svg.push(label(Math.max(0, d.box[0] * scale), Math.max(font + 4, d.box[1] * scale - 2), d.score.toFixed(2), PRED, font));
  }
  const captions: [string, string][] = [];
  if (prediction.label) {
    const k = prediction.classes && prediction.probabilities ? prediction.classes.indexOf(prediction.label) : -1;
    captions.push([`pred: ${prediction.label}${k >= 0 ? ` ${prediction.probabilities![k].toFixed(2)}` : ''}`, PRED]);
  }
  if (gt?.label) captions.push([`truth: ${gt.label}`, TRUTH]);
  captions.forEach(([text, color], i) => svg.push(label(4, H - 6 - i * (font + 8), text, color, font)));
  const overlay = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${svg.join('')}</svg>`;
  return sharp(base).composite([{ input: Buffer.from(overlay), top: 0, left: 0 }]).png().toBuffer();
}
