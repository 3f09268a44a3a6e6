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
  bitsAllocated?: 8 | 16 | 32;
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
export function packSamples(values: ArrayLike<number>, bitsAllocated: 8 | 16 | 32, bitsStored: number): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(n * (bitsAllocated / 8) + ((n * (bitsAllocated / 8)) % 2));
  const view = new DataView(out.buffer);
  const mask = 2 ** bitsStored - 1;
  for (let i = 0; i < n; i++) {
    const v = ((values[i] % (mask + 1)) + (mask + 1)) % (mask + 1);
    if (bitsAllocated === 8) out[i] = v;
    else if (bitsAllocated === 16) { out[2 * i] = v & 0xff; out[2 * i + 1] = v >> 8; }
    else view.setUint32(4 * i, v, true);
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
    MediaStorageSOPClassUID: (o.extra?.SOPClassUID as string | undefined) ?? '1.2.840.10008.5.1.4.1.1.1.2',
    MediaStorageSOPInstanceUID: (o.extra?.SOPInstanceUID as string | undefined) ?? '1.2.826.0.1.3680043.9.7.1',
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

// JPEG lossless (process 14, selection value 1) encoding of one grey component, with one Huffman
// table giving every difference category 0..16 a 5-bit code (valid, not compact).
export function encodeJpegLossless(values: ArrayLike<number>, width: number, height: number, precision: number): Uint8Array {
  const out: number[] = [0xff, 0xd8];
  const seg = (marker: number, body: number[]) => out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);
  seg(0xc3, [precision, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]);
  const counts = new Array(16).fill(0); counts[4] = 17;
  seg(0xc4, [0x00, ...counts, ...Array.from({ length: 17 }, (_, i) => i)]);
  seg(0xda, [1, 1, 0x00, 1, 0, 0]);
  let acc = 0, nbits = 0;
  const put = (code: number, len: number) => {
    for (let b = len - 1; b >= 0; b--) {
      acc = (acc << 1) | ((code >> b) & 1); nbits++;
      if (nbits === 8) { out.push(acc); if (acc === 0xff) out.push(0); acc = 0; nbits = 0; }
    }
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const pred = x === 0 && y === 0 ? 1 << (precision - 1) : x === 0 ? values[(y - 1) * width] : values[y * width + x - 1];
      let diff = (values[y * width + x] - pred) % 65536;
      if (diff > 32767) diff -= 65536; else if (diff < -32768) diff += 65536;
      const ssss = diff === 0 ? 0 : diff === -32768 ? 16 : Math.floor(Math.log2(Math.abs(diff))) + 1;
      put(ssss, 5);
      if (ssss > 0 && ssss < 16) put(diff > 0 ? diff : diff - 1 + (1 << ssss), ssss);
    }
  }
  if (nbits) put((1 << (8 - nbits)) - 1, 8 - nbits);
  out.push(0xff, 0xd9);
  return Uint8Array.from(out);
}
