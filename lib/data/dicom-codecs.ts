// Decoders for the compressed DICOM transfer syntaxes of mammography (JPEG lossless, JPEG-LS,
// JPEG 2000 / HTJ2K, JPEG baseline, RLE), each through a maintained codec package.

import { DataFormatError, UnsupportedTransferSyntaxError, describeThrown } from './errors';

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

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean };
  getDecodedBuffer(): Uint8Array;
  delete?(): void;
}
type WasmModule = Record<string, new () => WasmDecoder>;

const modules = new Map<string, Promise<WasmModule>>();
let codecLog: string[] = [];

function remember(line: string): void {
  codecLog.push(String(line));
  if (codecLog.length > 20) codecLog = codecLog.slice(-20);
}

function loadWasm(pkg: string): Promise<WasmModule> {
  let m = modules.get(pkg);
  if (!m) {
    m = (async () => {
      let factory: (overrides: object) => Promise<WasmModule>;
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        factory = require(pkg);
      } catch {
        throw new Error(`the codec package ${pkg} is not installed (npm install ${pkg})`);
      }
      // Keep the codec's console chatter (OpenJPEG prints [INFO] lines) for error messages instead.
      return factory({ print: remember, printErr: remember });
    })();
    modules.set(pkg, m);
    m.catch(() => modules.delete(pkg));
  }
  return m;
}

async function decodeWasm(pkg: string, decoderName: string, data: Uint8Array): Promise<DecodedFrame> {
  const mod = await loadWasm(pkg);
  const decoder = new mod[decoderName]();
  codecLog = [];
  try {
    decoder.getEncodedBuffer(data.length).set(data);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const bytes = decoder.getDecodedBuffer().slice();
    return {
      width: info.width, height: info.height, bitsPerSample: info.bitsPerSample,
      componentCount: info.componentCount, signed: !!info.isSigned, bytes,
    };
  } catch (e) {
    const said = codecLog.filter((l) => /error/i.test(l)).pop();
    throw new Error(said ? `${said.replace(/^\[ERROR\]\s*/, '').trim()} (${describeThrown(e)})` : describeThrown(e));
  } finally {
    decoder.delete?.();
  }
}

function decodeJpegLossless(data: Uint8Array, bitsAllocated: number): DecodedFrame {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Decoder } = require('jpeg-lossless-decoder-js');
  const decoder = new Decoder();
  const copy = data.slice();
  const out: Uint8Array | Uint16Array = decoder.decode(copy.buffer, 0, copy.length, bitsAllocated > 8 ? 2 : 1);
  return {
    width: decoder.xDim, height: decoder.yDim, bitsPerSample: decoder.precision ?? bitsAllocated,
    componentCount: decoder.numComp, signed: false,
    bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength),
  };
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

// Decodes one encapsulated frame in transfer syntax `uid`. Throws DataFormatError naming `file`.
export async function decodeCompressedFrame(
  file: string, uid: string, data: Uint8Array, geometry: { width: number; height: number; bitsAllocated: number },
): Promise<DecodedFrame> {
  const info = transferSyntaxInfo(uid);
  if (!info || !info.codec || info.codec === 'uncompressed') throw unsupportedSyntax(file, uid);
  try {
    switch (info.codec) {
      case 'jpeg-ls': return await decodeWasm('@cornerstonejs/codec-charls', 'JpegLSDecoder', data);
      case 'jpeg2000': return await decodeWasm('@cornerstonejs/codec-openjpeg', 'J2KDecoder', data);
      case 'jpeg-baseline': return await decodeWasm('@cornerstonejs/codec-libjpeg-turbo-8bit', 'JPEGDecoder', data);
      case 'jpeg-lossless': return decodeJpegLossless(data, geometry.bitsAllocated);
      case 'rle': return decodeRle(data, geometry.width, geometry.height, geometry.bitsAllocated);
    }
  } catch (e) {
    throw new DataFormatError(file, `cannot decode ${info.name} pixel data: ${describeThrown(e).split('\n')[0]}`);
  }
}
