// Writes DICOM test fixtures with dcmjs: any bit depth, signedness, photometric, explicit or
// implicit VR, and encapsulated (compressed) pixel data.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs');

export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const JPEG_LS = '1.2.840.10008.1.2.4.80';
export const JPEG_2000 = '1.2.840.10008.1.2.4.90';
export const RLE = '1.2.840.10008.1.2.5';

export interface FixtureOptions {
  width: number;
  height: number;
  values: ArrayLike<number>;      // stored values (before rescale)
  bitsAllocated?: 8 | 16;
  bitsStored?: number;
  signed?: boolean;
  photometric?: 'MONOCHROME1' | 'MONOCHROME2';
  transferSyntax?: string;
  slope?: number;
  intercept?: number;
  windowCenter?: number[];
  windowWidth?: number[];
  laterality?: 'L' | 'R';
  view?: string;
  encapsulated?: Uint8Array[];    // compressed frame fragments instead of native pixels
  noPixelData?: boolean;
  extra?: Record<string, unknown>;
}

// Stored values packed as little-endian samples (two's complement within bitsStored when signed).
export function packSamples(values: ArrayLike<number>, bitsAllocated: 8 | 16, bitsStored: number): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(n * (bitsAllocated / 8) + ((n * (bitsAllocated / 8)) % 2));
  const mask = 2 ** bitsStored - 1;
  for (let i = 0; i < n; i++) {
    const v = ((values[i] % (mask + 1)) + (mask + 1)) % (mask + 1);
    if (bitsAllocated === 8) out[i] = v;
    else { out[2 * i] = v & 0xff; out[2 * i + 1] = v >> 8; }
  }
  return out;
}

export function writeDicom(o: FixtureOptions): Buffer {
  const bitsAllocated = o.bitsAllocated ?? 16;
  const bitsStored = o.bitsStored ?? bitsAllocated;
  const ts = o.transferSyntax ?? EXPLICIT_LE;
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: '1.2.840.10008.5.1.4.1.1.1.2',
    MediaStorageSOPInstanceUID: '1.2.826.0.1.3680043.9.7.1',
    TransferSyntaxUID: ts,
    ImplementationClassUID: '1.2.826.0.1.3680043.9.7',
  };
  const ds: Record<string, unknown> = {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.1.2',
    SOPInstanceUID: '1.2.826.0.1.3680043.9.7.1',
    Modality: 'MG',
    Rows: o.height,
    Columns: o.width,
    BitsAllocated: bitsAllocated,
    BitsStored: bitsStored,
    HighBit: bitsStored - 1,
    PixelRepresentation: o.signed ? 1 : 0,
    SamplesPerPixel: 1,
    PhotometricInterpretation: o.photometric ?? 'MONOCHROME2',
    ...o.extra,
  };
  if (o.slope !== undefined) ds.RescaleSlope = o.slope;
  if (o.intercept !== undefined) ds.RescaleIntercept = o.intercept;
  if (o.windowCenter) ds.WindowCenter = o.windowCenter;
  if (o.windowWidth) ds.WindowWidth = o.windowWidth;
  if (o.laterality) ds.ImageLaterality = o.laterality;
  if (o.view) ds.ViewPosition = o.view;
  if (!o.noPixelData) {
    if (o.encapsulated) {
      ds.PixelData = o.encapsulated.map((f) => f.slice().buffer);
      ds._vrMap = { PixelData: 'OB' };
    } else {
      const packed = packSamples(o.values, bitsAllocated, bitsStored);
      ds.PixelData = [packed.buffer];
      ds._vrMap = { PixelData: bitsAllocated === 8 ? 'OB' : 'OW' };
    }
  }
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(ds);
  return Buffer.from(dict.write({ fragmentMultiframe: false }));
}

type Enc = { getDecodedBuffer(info: object): Uint8Array; encode(): void; getEncodedBuffer(): Uint8Array; setDecompositions?(n: number): void; delete?(): void };

// Compresses 16- or 8-bit unsigned samples with a cornerstone WASM encoder (test fixtures only).
export async function encodeFrame(kind: 'jpeg-ls' | 'jpeg2000', width: number, height: number, samples: Uint8Array, bitsPerSample: number, signed = false): Promise<Uint8Array> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = await (kind === 'jpeg-ls' ? require('@cornerstonejs/codec-charls') : require('@cornerstonejs/codec-openjpeg'))({ print: () => {}, printErr: () => {} });
  const enc: Enc = new mod[kind === 'jpeg-ls' ? 'JpegLSEncoder' : 'J2KEncoder']();
  const buf = enc.getDecodedBuffer({ width, height, bitsPerSample, componentCount: 1, isSigned: signed });
  buf.set(samples);
  if (enc.setDecompositions) enc.setDecompositions(Math.max(0, Math.min(5, Math.floor(Math.log2(Math.min(width, height))) - 2)));
  enc.encode();
  const out = enc.getEncodedBuffer().slice();
  enc.delete?.();
  return out;
}

// RLE Lossless encoding of 8/16-bit samples (literal runs only; valid, not compact).
export function encodeRle(samples: Uint8Array, count: number, bitsAllocated: 8 | 16): Uint8Array {
  const bps = bitsAllocated / 8;
  const segments: number[][] = [];
  for (let s = 0; s < bps; s++) {
    const byteIndex = bps - 1 - s;
    const seg: number[] = [];
    for (let i = 0; i < count; i += 128) {
      const n = Math.min(128, count - i);
      seg.push(n - 1);
      for (let k = 0; k < n; k++) seg.push(samples[(i + k) * bps + byteIndex]);
    }
    if (seg.length % 2) seg.push(0x80);
    segments.push(seg);
  }
  const header = new Uint8Array(64);
  const dv = new DataView(header.buffer);
  dv.setUint32(0, bps, true);
  let off = 64;
  segments.forEach((seg, s) => { dv.setUint32(4 + 4 * s, off, true); off += seg.length; });
  const out = new Uint8Array(off);
  out.set(header);
  let p = 64;
  for (const seg of segments) { out.set(seg, p); p += seg.length; }
  return out;
}
