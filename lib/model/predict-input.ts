// Turning what predict() accepts into a [0, 1] gray image: a Float32Array (square), an
// ndarray of shape [H, W] (or [1, 1, H, W]), a { width, height, data } image, a PNG / PGM /
// DICOM Buffer, or a file path; plus the resizes between the input frame and the model's.
import { readImageFile, isDicom, rasterToGray } from '../data/image-file';
import { decodeDicom, dicomToGray } from '../data/dicom';
import { decodePgm, isPgm } from '../data/pgm';
import { readRasterImage } from '../data/png';
import { resolveDecodeLimits, type DecodeLimits } from '../data/limits';
import type { GrayImage } from '../data/sample';
import { describe, fail } from '../errors';
import { checkStridedView } from '../ndarray-bounds';

export type PredictInput =
  | string
  | Buffer
  | Uint8Array
  | Float32Array
  | GrayImage
  | { data: ArrayLike<number>; shape: number[]; stride?: number[]; offset?: number };

export function fromNdarray(nd: { data: ArrayLike<number>; shape: number[]; stride?: number[]; offset?: number }, limits: DecodeLimits = resolveDecodeLimits()): GrayImage {
  const shape = nd.shape.filter((s, i) => !(s === 1 && i < nd.shape.length - 2));
  if (shape.length !== 2) fail('range', 'an ndarray of shape [H, W] or [1, 1, H, W]', 'image', `shape [${nd.shape.join(', ')}]`);
  const [h, w] = shape;
  checkImageSize(w, h, limits);
  const stride = nd.stride ? nd.stride.slice(-2) : [w, 1];
  const offset = nd.offset ?? 0;
  checkStridedView([h, w], stride, offset, nd.data.length, 'image');
  const data = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = nd.data[offset + y * stride[0] + x * stride[1]];
  return checkFinite({ width: w, height: h, data });
}

// Width and height: positive integers whose product is within limits.maxPixels.
function checkImageSize(width: unknown, height: unknown, limits: DecodeLimits): void {
  for (const [name, v] of [['image.width', width], ['image.height', height]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail('range', 'a positive integer', name, describe(v));
  }
  const pixels = (width as number) * (height as number);
  if (pixels > limits.maxPixels) fail('range', `at most ${limits.maxPixels} pixels (maxPixels)`, 'image', `${width}x${height} = ${pixels} pixels`);
}

// Every pixel finite: a NaN or Infinity would turn every probability into NaN.
function checkFinite(img: GrayImage): GrayImage {
  const d = img.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) fail('range', 'finite pixel values', 'image.data', `${describe(d[i])} at index ${i} (x ${i % img.width}, y ${Math.floor(i / img.width)})`);
  }
  return img;
}

async function fromBytes(bytes: Uint8Array, limits: DecodeLimits): Promise<GrayImage> {
  const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isPgm(u8)) {
    const pgm = decodePgm(u8, '<buffer>', limits);
    return rasterToGray(pgm, pgm.maxval);
  }
  return rasterToGray(await readRasterImage(Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength), '<buffer>', limits));
}

export interface LoadedInput {
  image: GrayImage;
  laterality: 'L' | 'R' | null;   // from a DICOM header, when known
}

// Decodes and checks one predict() input within `limits` (default: the process-wide limits).
export async function loadPredictInput(input: unknown, limits: DecodeLimits = resolveDecodeLimits()): Promise<LoadedInput> {
  if (typeof input === 'string') {
    const loaded = await readImageFile(input, { limits });
    return { image: checkFinite(loaded.image), laterality: loaded.laterality };
  }
  if (input instanceof Uint8Array && isDicom(input)) {
    const dicom = await decodeDicom(input, '<buffer>', { limits });
    return { image: checkFinite(dicomToGray(dicom)), laterality: dicom.laterality };
  }
  return { image: checkFinite(await loadGrayInput(input, limits)), laterality: null };
}

async function loadGrayInput(input: unknown, limits: DecodeLimits): Promise<GrayImage> {
  if (input instanceof Float32Array) {
    const side = Math.round(Math.sqrt(input.length));
    if (side * side !== input.length || side === 0) {
      fail('range', 'a square image (length = side * side); pass { width, height, data } for other shapes', 'image', describe(input));
    }
    checkImageSize(side, side, limits);
    return { width: side, height: side, data: input };
  }
  if (input instanceof Uint8Array) return fromBytes(input, limits);   // Buffer included
  if (input && typeof input === 'object') {
    const o = input as Record<string, unknown>;
    if (Array.isArray(o.shape) && o.data) return fromNdarray(o as never, limits);
    if ('width' in o && 'height' in o && o.data instanceof Float32Array) {
      checkImageSize(o.width, o.height, limits);
      const n = (o.width as number) * (o.height as number);
      if (o.data.length !== n) fail('range', `data of length ${n} (width * height)`, 'image.data', describe(o.data));
      return o as unknown as GrayImage;
    }
  }
  return fail('type', 'a Float32Array, an ndarray, { width, height, data }, a PNG/DICOM Buffer or a file path', 'image', describe(input));
}

// Bilinear resize (align_corners = false), the same sampling as ops.upsample2d's bilinear mode.
export function resizeBilinear(img: GrayImage, width: number, height: number): GrayImage {
  if (img.width === width && img.height === height) return img;
  const out = new Float32Array(width * height);
  const sx = img.width / width, sy = img.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(img.height - 1, Math.floor(fy)), y1 = Math.min(img.height - 1, y0 + 1), ly = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(img.width - 1, Math.floor(fx)), x1 = Math.min(img.width - 1, x0 + 1), lx = fx - x0;
      const d = img.data;
      out[y * width + x] =
        (1 - ly) * ((1 - lx) * d[y0 * img.width + x0] + lx * d[y0 * img.width + x1]) +
        ly * ((1 - lx) * d[y1 * img.width + x0] + lx * d[y1 * img.width + x1]);
    }
  }
  return { width, height, data: out };
}

// Nearest-neighbour resize of a 0/1 mask (pixel centres map to pixel centres).
export function resizeMaskNearest(mask: Uint8Array, w: number, h: number, width: number, height: number): Uint8Array {
  if (w === width && h === height) return mask;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(w - 1, Math.floor(((x + 0.5) * w) / width));
      out[y * width + x] = mask[sy * w + sx];
    }
  }
  return out;
}
