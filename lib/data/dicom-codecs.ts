// Decoders for the compressed DICOM transfer syntaxes of mammography (JPEG lossless, JPEG-LS,
// JPEG 2000 / HTJ2K, JPEG baseline, RLE), each through a maintained codec package.

import { DataFormatError, UnsupportedTransferSyntaxError, describeThrown } from './errors';
import { decodeInWorker } from './codec-worker';
import { codecDeadlineMs, resolveDecodeLimits, type DecodeLimits } from './limits';

export interface DecodedFrame {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  signed: boolean;
  // Raw little-endian samples, 1 byte per sample when bitsPerSample <= 8, else 2.
  bytes: Uint8Array;
}

type Codec = 'uncompressed' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg2000' | 'jpeg-baseline' | 'rle';

export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  codec: Codec | null;     // null: known, but no decoder here
  bigEndian?: boolean;
  deflated?: boolean;
  implicit?: boolean;
}

const SYNTAXES: TransferSyntaxInfo[] = [
  { uid: '1.2.840.10008.1.2', name: 'Implicit VR Little Endian', codec: 'uncompressed', implicit: true },
  { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian', codec: 'uncompressed' },
  { uid: '1.2.840.10008.1.2.1.99', name: 'Deflated Explicit VR Little Endian', codec: 'uncompressed', deflated: true },
  { uid: '1.2.840.10008.1.2.2', name: 'Explicit VR Big Endian (retired)', codec: 'uncompressed', bigEndian: true },
  { uid: '1.2.840.10008.1.2.4.50', name: 'JPEG Baseline (Process 1)', codec: 'jpeg-baseline' },
  { uid: '1.2.840.10008.1.2.4.51', name: 'JPEG Extended (Process 2 & 4)', codec: null },
  { uid: '1.2.840.10008.1.2.4.57', name: 'JPEG Lossless, Non-Hierarchical (Process 14)', codec: 'jpeg-lossless' },
  { uid: '1.2.840.10008.1.2.4.70', name: 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])', codec: 'jpeg-lossless' },
  { uid: '1.2.840.10008.1.2.4.80', name: 'JPEG-LS Lossless', codec: 'jpeg-ls' },
  { uid: '1.2.840.10008.1.2.4.81', name: 'JPEG-LS Lossy (Near-Lossless)', codec: 'jpeg-ls' },
  { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 Image Compression (Lossless Only)', codec: 'jpeg2000' },
  { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG 2000 Image Compression', codec: 'jpeg2000' },
  { uid: '3.2.840.10008.1.2.4.96', name: 'HTJ2K (private early UID)', codec: 'jpeg2000' },
  { uid: '1.2.840.10008.1.2.4.201', name: 'High-Throughput JPEG 2000 (Lossless Only)', codec: 'jpeg2000' },
  { uid: '1.2.840.10008.1.2.4.202', name: 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)', codec: 'jpeg2000' },
  { uid: '1.2.840.10008.1.2.4.203', name: 'High-Throughput JPEG 2000', codec: 'jpeg2000' },
  { uid: '1.2.840.10008.1.2.5', name: 'RLE Lossless', codec: 'rle' },
  { uid: '1.2.840.10008.1.2.4.100', name: 'MPEG2 Main Profile / Main Level', codec: null },
  { uid: '1.2.840.10008.1.2.4.102', name: 'MPEG-4 AVC/H.264 High Profile', codec: null },
];

export function transferSyntaxInfo(uid: string): TransferSyntaxInfo | undefined {
  return SYNTAXES.find((s) => s.uid === uid);
}

// The error for a transfer syntax we can't decode: names it and says what would help.
export function unsupportedSyntax(file: string, uid: string): UnsupportedTransferSyntaxError {
  const info = transferSyntaxInfo(uid);
  const name = info ? `${info.name} (${uid})` : `unknown transfer syntax ${uid}`;
  return new UnsupportedTransferSyntaxError(file, uid,
    `cannot decode pixel data in ${name}; supported: uncompressed little/big endian, deflated, JPEG baseline ` +
    `(@cornerstonejs/codec-libjpeg-turbo-8bit), JPEG lossless (jpeg-lossless-decoder-js), JPEG-LS ` +
    `(@cornerstonejs/codec-charls), JPEG 2000/HTJ2K (@cornerstonejs/codec-openjpeg), RLE; ` +
    `convert the file first (e.g. dcmdjpeg or gdcmconv --raw)`);
}

// RLE Lossless (PS3.5 annex G): a 64-byte header of segment offsets, each segment PackBits coded.
export function decodeRle(data: Uint8Array, width: number, height: number, bitsAllocated: number): DecodedFrame {
  if (data.length < 64) throw new Error('RLE frame shorter than its 64-byte header');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segments = view.getUint32(0, true);
  const bytesPerSample = bitsAllocated / 8;
  if (segments !== bytesPerSample) throw new Error(`RLE frame has ${segments} segments, expected ${bytesPerSample} for one ${bitsAllocated}-bit sample`);
  const n = width * height;
  const out = new Uint8Array(n * bytesPerSample);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : data.length;
    if (start < 64 || end > data.length || start > end) throw new Error(`RLE segment ${s} offset out of range`);
    // Segment 0 holds the most significant byte; little-endian output puts it last.
    const byteIndex = bytesPerSample - 1 - s;
    let p = start;
    let o = 0;
    while (p < end && o < n) {
      const c = (data[p++] << 24) >> 24;
      if (c >= 0) {
        for (let k = 0; k <= c && o < n && p < end; k++) out[(o++) * bytesPerSample + byteIndex] = data[p++];
      } else if (c !== -128) {
        const v = data[p++];
        for (let k = 0; k < 1 - c && o < n; k++) out[(o++) * bytesPerSample + byteIndex] = v;
      }
    }
    if (o < n) throw new Error(`RLE segment ${s} decodes to ${o} of ${n} samples`);
  }
  return { width, height, bitsPerSample: bitsAllocated, componentCount: 1, signed: false, bytes: out };
}

// Reads the frame size from a JPEG / JPEG-LS (SOFn, SOF55) or JPEG 2000 (SIZ) codestream header,
// so that a corrupt header claiming a huge image is refused before the codec allocates or loops.
export function codestreamSize(data: Uint8Array, codec: Codec): { width: number; height: number } | null {
  const u16 = (p: number) => (data[p] << 8) | data[p + 1];
  if (codec === 'jpeg2000') {
    const limit = Math.min(data.length - 22, 4096);
    for (let p = 0; p < limit; p++) {
      if (data[p] === 0xff && data[p + 1] === 0x51) {
        const u32 = (q: number) => ((data[q] << 24) >>> 0) + (data[q + 1] << 16) + (data[q + 2] << 8) + data[q + 3];
        return { width: u32(p + 6) - u32(p + 14), height: u32(p + 10) - u32(p + 18) };
      }
    }
    return null;
  }
  if (data.length < 4 || u16(0) !== 0xffd8) return null;
  let p = 2;
  while (p + 9 < data.length) {
    if (data[p] !== 0xff) return null;
    const marker = data[p + 1];
    if (marker === 0xff) { p++; continue; }
    const isSof = (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7;
    if (isSof) return { height: u16(p + 5), width: u16(p + 7) };
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { p += 2; continue; }
    p += 2 + u16(p + 2);
  }
  return null;
}

// Decodes one encapsulated frame in transfer syntax `uid`. Throws DataFormatError naming `file`.
export async function decodeCompressedFrame(
  file: string, uid: string, data: Uint8Array, geometry: { width: number; height: number; bitsAllocated: number },
  limits: DecodeLimits = resolveDecodeLimits(),
): Promise<DecodedFrame> {
  const info = transferSyntaxInfo(uid);
  if (!info || !info.codec || info.codec === 'uncompressed') throw unsupportedSyntax(file, uid);
  if (info.codec !== 'rle') {
    const size = codestreamSize(data, info.codec);
    if (!size) throw new DataFormatError(file, `no frame header found in the ${info.name} pixel data`);
    if (size.width !== geometry.width || size.height !== geometry.height) {
      throw new DataFormatError(file, `${info.name} frame header says ${size.width}x${size.height} but the DICOM header says ${geometry.width}x${geometry.height}`);
    }
  }
  const deadlineMs = codecDeadlineMs(limits, geometry.width * geometry.height);
  const frame = `${geometry.width}x${geometry.height}`;
  const job = { data, deadlineMs, frame };
  try {
    switch (info.codec) {
      case 'jpeg-ls': return await decodeInWorker({ kind: 'wasm', pkg: '@cornerstonejs/codec-charls', decoder: 'JpegLSDecoder', ...job });
      case 'jpeg2000': return await decodeInWorker({ kind: 'wasm', pkg: '@cornerstonejs/codec-openjpeg', decoder: 'J2KDecoder', ...job });
      case 'jpeg-baseline': return await decodeInWorker({ kind: 'wasm', pkg: '@cornerstonejs/codec-libjpeg-turbo-8bit', decoder: 'JPEGDecoder', ...job });
      case 'jpeg-lossless': return await decodeInWorker({ kind: 'jpeg-lossless', pkg: 'jpeg-lossless-decoder-js', bytesPerSample: geometry.bitsAllocated > 8 ? 2 : 1, ...job });
      case 'rle': return decodeRle(data, geometry.width, geometry.height, geometry.bitsAllocated);
    }
  } catch (e) {
    throw new DataFormatError(file, `cannot decode ${info.name} pixel data: ${describeThrown(e).split('\n')[0]}`);
  }
}
