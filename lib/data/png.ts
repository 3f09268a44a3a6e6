// Reads and writes 8- and 16-bit grayscale PNG (and other sharp-readable images) with sharp.

import sharp from 'sharp';
import { asDataFormatError, DataFormatError } from './errors';
import { checkDeclaredSize, resolveDecodeLimits, type DecodeLimits } from './limits';

export interface RasterImage {
  width: number;
  height: number;
  bitDepth: 8 | 16;
  // Raw gray values, 0..255 or 0..65535.
  values: Uint8Array | Uint16Array;
}

// Reads any image sharp can open as one gray channel (colour is converted to luminance, alpha
// dropped), keeping 16-bit depth when the file has it.
// The declared size is checked against the decode limits before sharp decodes the pixels.
export async function readRasterImage(file: string | Buffer, name = typeof file === 'string' ? file : '<buffer>', limits: DecodeLimits = resolveDecodeLimits()): Promise<RasterImage> {
  try {
    const open = () => sharp(file, { limitInputPixels: limits.maxPixels });
    const meta = await sharp(file, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) throw new DataFormatError(name, 'image has no size');
    checkDeclaredSize(name, meta.width, meta.height, (meta.depth === 'ushort' ? 2 : 1) * (meta.channels ?? 1), limits);
    if (meta.depth === 'ushort') {
      const { data, info } = await open().removeAlpha().toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      const all = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
      return { width: info.width, height: info.height, bitDepth: 16, values: firstChannel(all, info.channels) };
    }
    const { data, info } = await open().removeAlpha().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, bitDepth: 8, values: firstChannel(new Uint8Array(data.buffer, data.byteOffset, data.length), info.channels) };
  } catch (e) {
    throw asDataFormatError(name, e, 'cannot read image');
  }
}

function firstChannel<T extends Uint8Array | Uint16Array>(all: T, channels: number): T {
  if (channels === 1) return all.slice() as T;
  const n = all.length / channels;
  const out = new (all.constructor as { new(n: number): T })(n);
  for (let i = 0; i < n; i++) out[i] = all[i * channels];
  return out;
}

// Writes a single-channel PNG; 16-bit when `values` is a Uint16Array.
export async function writeGrayPng(file: string, width: number, height: number, values: Uint8Array | Uint16Array): Promise<void> {
  if (values.length !== width * height) throw new RangeError(`Expected ${width * height} values for a ${width}x${height} PNG but received ${values.length}`);
  const img = sharp(values, { raw: { width, height, channels: 1 } });
  await (values instanceof Uint16Array ? img.toColourspace('grey16') : img.toColourspace('b-w')).png().toFile(file);
}
