// Opens an image file of any supported kind (DICOM, PGM, PNG and other sharp formats) as a [0, 1]
// gray image, choosing the reader from the file's magic bytes, not its name.

import { DataFormatError } from './errors';
import { decodeDicom, dicomToGray, readBoundedFile, type DecodeOptions, type DicomImage, type DisplayOptions } from './dicom';
import { resolveDecodeLimits } from './limits';
import { decodePgm, isPgm } from './pgm';
import { readRasterImage, type RasterImage } from './png';
import type { GrayImage } from './sample';

export interface LoadedImage {
  image: GrayImage;
  kind: 'dicom' | 'pgm' | 'raster';
  laterality: 'L' | 'R' | null;
  view: string | null;
  patientId: string | null;   // DICOM Patient ID; null for other kinds
  dicom?: DicomImage;
  raster?: RasterImage;
}

export function isDicom(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

export function rasterToGray(r: RasterImage, maxval = r.bitDepth === 16 ? 65535 : 255): GrayImage {
  const data = new Float32Array(r.values.length);
  for (let i = 0; i < data.length; i++) data[i] = r.values[i] / maxval;
  return { width: r.width, height: r.height, data };
}

// Reads one image file within the decode limits (options.limits, else the process-wide ones).
export async function readImageFile(file: string, options: DisplayOptions & DecodeOptions = {}): Promise<LoadedImage> {
  const limits = resolveDecodeLimits(options.limits);
  const bytes = await readBoundedFile(file, limits);
  if (bytes.length === 0) throw new DataFormatError(file, 'file is empty');
  const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isDicom(u8) || /\.dcm$/i.test(file)) {
    const dicom = await decodeDicom(u8, file, { limits });
    return { image: dicomToGray(dicom, options), kind: 'dicom', laterality: dicom.laterality, view: dicom.view, patientId: dicom.patientId, dicom };
  }
  if (isPgm(u8)) {
    const pgm = decodePgm(u8, file, limits);
    return { image: rasterToGray(pgm, pgm.maxval), kind: 'pgm', laterality: null, view: null, patientId: null, raster: pgm };
  }
  const raster = await readRasterImage(bytes, file, limits);
  return { image: rasterToGray(raster), kind: 'raster', laterality: null, view: null, patientId: null, raster };
}

// Reads a mask image (any supported kind): nonzero pixels are 1.
export async function readMaskFile(file: string): Promise<{ width: number; height: number; mask: Uint8Array }> {
  const loaded = await readImageFile(file, { window: 'minmax' });
  const values = loaded.dicom ? loaded.dicom.values : loaded.raster!.values;
  const mask = new Uint8Array(values.length);
  for (let i = 0; i < mask.length; i++) mask[i] = values[i] > 0 ? 1 : 0;
  return { width: loaded.image.width, height: loaded.image.height, mask };
}
