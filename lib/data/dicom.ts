// Reads a DICOM image: header (geometry, photometric, rescale, windows, laterality, view, patient)
// and the first frame's stored values after Rescale Slope/Intercept, uncompressed or through a codec.

import { readFile, stat } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import * as dicomParser from 'dicom-parser';
import { DataFormatError, asDataFormatError } from './errors';
import { decodeCompressedFrame, transferSyntaxInfo, unsupportedSyntax, type DecodedFrame } from './dicom-codecs';
import { INFLATE_HEADER_ALLOWANCE, checkDeclaredSize, resolveDecodeLimits, type DecodeLimits } from './limits';
import type { GrayImage } from './sample';
import { checkSourceBytes } from './source-checks';

export interface DicomWindow { center: number; width: number }

export interface DicomImage {
  file: string;
  width: number;
  height: number;
  frames: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  photometric: 'MONOCHROME1' | 'MONOCHROME2';
  transferSyntax: string;
  rescaleSlope: number;
  rescaleIntercept: number;
  windows: DicomWindow[];
  laterality: 'L' | 'R' | null;
  view: string | null;
  patientId: string | null;   // Patient ID (0010,0020), trimmed; null when absent or empty
  // Stored values of frame 0 after rescale (modality values), before inversion or windowing.
  values: Float32Array;
}

const PIXEL_DATA = 'x7fe00010';

function numbers(ds: dicomParser.DataSet, tag: string): number[] {
  const s = ds.string(tag);
  if (!s) return [];
  return s.split('\\').map((v) => Number(v.trim())).filter((v) => Number.isFinite(v));
}

function parseHeader(file: string, bytes: Uint8Array, limits: DecodeLimits): dicomParser.DataSet {
  const hasPreamble = bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
  try {
    if (hasPreamble) {
      return dicomParser.parseDicom(bytes, {
        inflater: (arr: Uint8Array, position: number) => {
          const inflated = inflateBounded(file, arr.subarray(position), limits.maxDecodedBytes + INFLATE_HEADER_ALLOWANCE);
          const out = new Uint8Array(position + inflated.length);
          out.set(arr.subarray(0, position));
          out.set(inflated, position);
          return out;
        },
      } as dicomParser.ParseDicomOptions);
    }
    // No "DICM" preamble: try a bare implicit-VR little-endian data set (older files do this).
    const ds = dicomParser.parseDicom(bytes, { TransferSyntaxUID: '1.2.840.10008.1.2' } as dicomParser.ParseDicomOptions);
    if (!ds.elements.x00280010) throw new Error('not a DICOM file (no DICM preamble and no image header)');
    return ds;
  } catch (e) {
    const inner = e && typeof e === 'object' && 'exception' in e ? (e as { exception: unknown }).exception : e;
    if (inner instanceof DataFormatError) throw inner;
    throw asDataFormatError(file, e, 'cannot parse DICOM');
  }
}

// Inflates a Deflated transfer syntax data set, stopping at `max` bytes (a 1.5 MB file can
// inflate to gigabytes).
function inflateBounded(file: string, deflated: Uint8Array, max: number): Buffer {
  try {
    return inflateRawSync(deflated, { maxOutputLength: max });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataFormatError(file, `the Deflated data set inflates to more than ${max} bytes (maxDecodedBytes + 16 MiB for the header); refusing a decompression bomb`);
    }
    throw asDataFormatError(file, e, 'cannot inflate the Deflated data set');
  }
}

function laterality(ds: dicomParser.DataSet): 'L' | 'R' | null {
  for (const tag of ['x00200062', 'x00200060']) {
    const v = ds.string(tag)?.trim().toUpperCase();
    if (v === 'L' || v === 'R') return v;
  }
  return null;
}

function patientId(ds: dicomParser.DataSet): string | null {
  return ds.string('x00100020')?.replace(/\0/g, '').trim() || null;
}

function view(ds: dicomParser.DataSet): string | null {
  const v = ds.string('x00185101')?.trim().toUpperCase();
  if (v) return v;
  const seq = ds.elements.x00540220?.items?.[0]?.dataSet;
  const meaning = seq?.string('x00080104')?.toLowerCase() ?? '';
  if (meaning.includes('cranio-caudal')) return 'CC';
  if (meaning.includes('medio-lateral oblique')) return 'MLO';
  if (meaning.includes('medio-lateral')) return 'ML';
  return null;
}

// Modality values of a frame: sample bytes (little or big endian, 8/16/32 bits) masked to
// bitsStored, sign-extended when signed, then value * slope + intercept, written straight into
// the Float32 result (no wider intermediate copy of the image). Refuses non-finite results.
function modalityValues(file: string, bytes: Uint8Array, count: number, bitsAllocated: number, bitsStored: number, signed: boolean, bigEndian: boolean, slope: number, intercept: number): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const range = 2 ** bitsStored;
  const signBit = 2 ** (bitsStored - 1);
  for (let i = 0; i < count; i++) {
    let v: number;
    if (bitsAllocated === 8) v = bytes[i];
    else if (bitsAllocated === 16) v = view.getUint16(2 * i, !bigEndian);
    else v = view.getUint32(4 * i, !bigEndian);   // unsigned: 3,000,000,000 stays 3e9
    if (bitsStored < 32) v %= range;
    if (signed && v >= signBit) v -= range;
    const m = Math.fround(v * slope + intercept);
    if (!Number.isFinite(m)) {
      throw new DataFormatError(file, `Rescale Slope ${slope} and Rescale Intercept ${intercept} map stored value ${v} (pixel ${i}) to ${v * slope + intercept}, outside the float32 range; the rescale tags are corrupt`);
    }
    out[i] = m;
  }
  return out;
}

function frameFromDecoded(file: string, d: DecodedFrame, width: number, height: number): Uint8Array {
  if (d.width !== width || d.height !== height) {
    throw new DataFormatError(file, `decoded frame is ${d.width}x${d.height} but the header says ${width}x${height}`);
  }
  if (d.componentCount !== 1) throw new DataFormatError(file, `decoded frame has ${d.componentCount} components, expected 1 (grayscale)`);
  return d.bytes;
}

export interface DecodeOptions {
  // Overrides of the process-wide decode limits (lib/data/limits.ts).
  limits?: Partial<DecodeLimits>;
}

export async function readDicomFile(file: string, options: DecodeOptions = {}): Promise<DicomImage> {
  const bytes = await readBoundedFile(file, resolveDecodeLimits(options.limits));
  return decodeDicom(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file, options);
}

// Reads a whole image file, refusing one larger than any image within the limits could be.
export async function readBoundedFile(file: string, limits: DecodeLimits): Promise<Buffer> {
  try {
    checkSourceBytes(file, (await stat(file)).size, limits);
    return await readFile(file);
  } catch (e) {
    throw asDataFormatError(file, e, 'cannot read file');
  }
}

// Decodes DICOM bytes; `file` names the source in errors. Throws only DataFormatError (or its
// subclass UnsupportedTransferSyntaxError). Sizes are checked against options.limits (or the
// process-wide limits) before any image buffer is allocated.
export async function decodeDicom(bytes: Uint8Array, file = '<buffer>', options: DecodeOptions = {}): Promise<DicomImage> {
  const limits = resolveDecodeLimits(options.limits);
  try {
    return await decodeDicomFrame(bytes, file, limits);
  } catch (e) {
    throw asDataFormatError(file, e, 'cannot decode DICOM');
  }
}

async function decodeDicomFrame(bytes: Uint8Array, file: string, limits: DecodeLimits): Promise<DicomImage> {
  const ds = parseHeader(file, bytes, limits);
  const uid = (ds.string('x00020010') ?? '1.2.840.10008.1.2').replace(/\0/g, '').trim();
  const width = ds.uint16('x00280011') ?? 0;
  const height = ds.uint16('x00280010') ?? 0;
  if (!width || !height) throw new DataFormatError(file, `missing image size (Rows ${height}, Columns ${width})`);
  const samplesPerPixel = ds.uint16('x00280002') ?? 1;
  if (samplesPerPixel !== 1) throw new DataFormatError(file, `has ${samplesPerPixel} samples per pixel; only grayscale images are read`);
  const photometric = (ds.string('x00280004') ?? 'MONOCHROME2').trim().toUpperCase();
  if (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2') {
    throw new DataFormatError(file, `photometric interpretation ${photometric} is not grayscale (MONOCHROME1/2)`);
  }
  const bitsAllocated = ds.uint16('x00280100') ?? 16;
  if (![8, 16, 32].includes(bitsAllocated)) throw new DataFormatError(file, `Bits Allocated ${bitsAllocated} is not 8, 16 or 32`);
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  if (bitsStored < 1 || bitsStored > bitsAllocated) throw new DataFormatError(file, `Bits Stored ${bitsStored} is outside 1..${bitsAllocated}`);
  checkDeclaredSize(file, width, height, bitsAllocated / 8, limits);
  const signed = (ds.uint16('x00280103') ?? 0) === 1;
  const frames = Math.max(1, Number(ds.intString('x00280008') ?? 1) || 1);
  const slope = numbers(ds, 'x00281053')[0] ?? 1;
  const intercept = numbers(ds, 'x00281052')[0] ?? 0;
  const centers = numbers(ds, 'x00281050');
  const widths = numbers(ds, 'x00281051');
  const windows: DicomWindow[] = [];
  for (let i = 0; i < Math.min(centers.length, widths.length); i++) {
    if (widths[i] >= 1) windows.push({ center: centers[i], width: widths[i] });
  }

  const pixel = ds.elements[PIXEL_DATA];
  if (!pixel) throw new DataFormatError(file, 'has no pixel data (7FE0,0010)');
  const count = width * height;
  const info = transferSyntaxInfo(uid);
  let frameBytes: Uint8Array;
  if (pixel.encapsulatedPixelData) {
    if (!info || !info.codec || info.codec === 'uncompressed') throw unsupportedSyntax(file, uid);
    let encoded: Uint8Array;
    try {
      if (!pixel.fragments || pixel.fragments.length === 0) throw new Error('no fragments');
      if (frames === 1) {
        encoded = dicomParser.readEncapsulatedPixelDataFromFragments(ds, pixel, 0, pixel.fragments.length);
      } else {
        const table = pixel.basicOffsetTable && pixel.basicOffsetTable.length ? pixel.basicOffsetTable : dicomParser.createJPEGBasicOffsetTable(ds, pixel);
        encoded = dicomParser.readEncapsulatedImageFrame(ds, pixel, 0, table);
      }
    } catch (e) {
      throw asDataFormatError(file, e, 'cannot read encapsulated pixel data');
    }
    const decoded = await decodeCompressedFrame(file, uid, encoded, { width, height, bitsAllocated }, limits);
    frameBytes = frameFromDecoded(file, decoded, width, height);
    const bytesPerSample = decoded.bitsPerSample > 8 ? 2 : 1;
    if (frameBytes.length < count * bytesPerSample) throw new DataFormatError(file, `decoded frame has ${frameBytes.length} bytes, expected ${count * bytesPerSample}`);
    // Codecs return 8-bit samples as bytes and deeper ones as 16-bit little endian.
    const sampleBits = bytesPerSample * 8;
    return build(modalityValues(file, frameBytes, count, sampleBits, Math.min(bitsStored, sampleBits), signed, false, slope, intercept));
  }
  if (info && info.codec !== 'uncompressed') {
    throw new DataFormatError(file, `pixel data is not encapsulated although the transfer syntax ${uid} is compressed`);
  }
  if (!info && uid) {
    // An unknown syntax that is not encapsulated: refuse rather than guess.
    throw unsupportedSyntax(file, uid);
  }
  const bigEndian = !!info?.bigEndian;
  const bytesPerSample = bitsAllocated / 8;
  const frameLength = count * bytesPerSample;
  const available = Math.min(pixel.length, ds.byteArray.length - pixel.dataOffset);
  if (available < frameLength) {
    throw new DataFormatError(file, `pixel data has ${Math.max(0, available)} bytes, expected ${frameLength} for ${width}x${height}x${bitsAllocated} bit (truncated?)`);
  }
  frameBytes = ds.byteArray.subarray(pixel.dataOffset, pixel.dataOffset + frameLength);
  return build(modalityValues(file, frameBytes, count, bitsAllocated, bitsStored, signed, bigEndian, slope, intercept));

  function build(values: Float32Array): DicomImage {
    return {
      file, width, height, frames, bitsAllocated, bitsStored, signed,
      photometric: photometric as 'MONOCHROME1' | 'MONOCHROME2', transferSyntax: uid,
      rescaleSlope: slope, rescaleIntercept: intercept, windows,
      laterality: laterality(ds), view: view(ds), patientId: patientId(ds), values,
    };
  }
}

export interface DisplayOptions {
  // Which window to apply: an index into the file's windows (default 0), an explicit window,
  // or 'minmax' (full range of the values). Files without a window use the full range.
  window?: number | DicomWindow | 'minmax';
}

// Maps modality values to a [0, 1] gray image: linear VOI window (PS3.3 C.11.2.1.2), then
// inversion for MONOCHROME1 so that 1 is always bright (dense tissue).
export function dicomToGray(img: DicomImage, options: DisplayOptions = {}): GrayImage & { window: DicomWindow | null } {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  let w: DicomWindow | null = null;
  const choice = options.window ?? 0;
  if (typeof choice === 'object') w = choice;
  else if (typeof choice === 'number') w = img.windows[choice] ?? null;
  if (w) {
    const c = w.center - 0.5;
    const width = Math.max(1, w.width - 1);
    for (let i = 0; i < n; i++) {
      const t = (img.values[i] - c) / width + 0.5;
      out[i] = t <= 0 ? 0 : t >= 1 ? 1 : t;
    }
  } else {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) { const v = img.values[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
    const span = hi > lo ? hi - lo : 1;
    for (let i = 0; i < n; i++) out[i] = (img.values[i] - lo) / span;
  }
  if (img.photometric === 'MONOCHROME1') for (let i = 0; i < n; i++) out[i] = 1 - out[i];
  return { width: img.width, height: img.height, data: out, window: w };
}
