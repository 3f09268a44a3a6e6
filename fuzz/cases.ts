// Seeded hostile DICOM cases for the decode fuzzer (npm run fuzz) and its fast subset in the
// tests: byte mutations of every transfer syntax (uncompressed, deflated, RLE, JPEG-LS, JPEG 2000,
// JPEG lossless, JPEG baseline), size amplification (deflate bombs, declared sizes far beyond the
// data, codestream headers claiming large frames), non-finite rescale values and 32-bit pixels.
import { constants, deflateRawSync } from 'node:zlib';
import sharp from 'sharp';
import { seededRng, type Rng } from '../lib/nn/init';
import { decodeDicom } from '../lib/data/dicom';
import { DataFormatError } from '../lib/data/errors';
import type { DecodeLimits } from '../lib/data/limits';
import {
  writeDicom, encodeFrame, encodeRle, encodeJpegLossless, packSamples, IMPLICIT_LE, JPEG_LS, JPEG_2000, RLE,
} from '../test/support/dicom-fixtures';

export { seededRng };

const int = (rnd: Rng, n: number) => Math.floor(rnd() * n);
const pick = <T>(rnd: Rng, xs: readonly T[]): T => xs[int(rnd, xs.length)];
const u8 = (b: Buffer | Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

const DEFLATED = '1.2.840.10008.1.2.1.99';
const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const JPEG_LOSSLESS = '1.2.840.10008.1.2.4.70';
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';

// Small limits keep every case quick; the limit checks themselves are what is exercised.
export const FUZZ_LIMITS: DecodeLimits = { maxPixels: 2 ** 20, maxDecodedBytes: 4 * 2 ** 20, codecBaseMs: 500, codecMsPerMegapixel: 1000 };

// One random mutation of a byte string: flip, overwrite, insert, delete, truncate, duplicate.
export function mutate(src: Uint8Array, rnd: Rng): Uint8Array {
  const b = Array.from(src);
  const edits = 1 + int(rnd, 4);
  for (let e = 0; e < edits && b.length; e++) {
    const at = int(rnd, b.length);
    switch (int(rnd, 7)) {
      case 0: b[at] ^= 1 << int(rnd, 8); break;
      case 1: b[at] = int(rnd, 256); break;
      case 2: b.splice(at, 0, ...Array.from({ length: 1 + int(rnd, 8) }, () => int(rnd, 256))); break;
      case 3: b.splice(at, 1 + int(rnd, 16)); break;
      case 4: b.length = at; break;
      case 5: b.splice(at, 0, ...b.slice(int(rnd, b.length), int(rnd, b.length))); break;
      case 6: b[at] = [0, 0xff, 0x7f, 0x80][int(rnd, 4)]; break;
    }
  }
  return Uint8Array.from(b);
}

function deflateBody(plain: Buffer, zerosMiB: number, zeroChunk: Buffer): Uint8Array {
  const bodyAt = 132 + 12 + plain.readUInt32LE(132 + 8);
  const parts = [plain.subarray(0, bodyAt), deflateRawSync(plain.subarray(bodyAt), { finishFlush: constants.Z_FULL_FLUSH })];
  for (let i = 0; i < zerosMiB; i++) parts.push(zeroChunk);
  parts.push(deflateRawSync(Buffer.alloc(0)));
  return u8(Buffer.concat(parts));
}

// Rewrites the frame size in a JPEG SOF / JPEG 2000 SIZ header (amplification: a big claim).
function setCodestreamSize(frame: Uint8Array, width: number, height: number): Uint8Array {
  const out = Uint8Array.from(frame);
  for (let p = 0; p + 20 < out.length; p++) {
    if (out[p] !== 0xff) continue;
    const m = out[p + 1];
    if (m === 0x51) {   // SIZ: Xsiz, Ysiz at +6, +10 (offsets at +14, +18 are 0 in our fixtures)
      new DataView(out.buffer).setUint32(p + 6, width); new DataView(out.buffer).setUint32(p + 10, height);
      return out;
    }
    if ((m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7) {
      out[p + 5] = height >> 8; out[p + 6] = height & 0xff; out[p + 7] = width >> 8; out[p + 8] = width & 0xff;
      return out;
    }
  }
  return out;
}

export const CASE_KINDS = ['mutated-native', 'mutated-deflated', 'deflate-bomb', 'mutated-rle', 'rle-amplified', 'mutated-codec', 'codec-amplified', 'declared-size', 'rescale', 'pixels-32bit'] as const;
export type CaseKind = typeof CASE_KINDS[number];

export interface FuzzCase { kind: CaseKind; name: string; bytes: Uint8Array }

export interface CaseFactory { make(index: number): FuzzCase }

// Builds the base fixtures once (codec encoders are slow to load), then makes case `index` of
// `seed` deterministically.
export async function caseFactory(seed: number): Promise<CaseFactory> {
  const values = Array.from({ length: 64 }, (_, i) => i * 61 % 4096);
  const ramp = Array.from({ length: 256 }, (_, i) => i * 13 % 4096);
  const native = [
    writeDicom({ width: 8, height: 8, values, bitsStored: 12, windowCenter: [100, 200], windowWidth: [50, 60], laterality: 'L', view: 'CC' }),
    writeDicom({ width: 8, height: 8, values, bitsStored: 12, signed: true, photometric: 'MONOCHROME1', transferSyntax: IMPLICIT_LE }),
    writeDicom({ width: 8, height: 8, values: values.map((v) => v % 256), bitsAllocated: 8 }),
    writeDicom({ width: 8, height: 8, values, bitsStored: 16, transferSyntax: BIG_ENDIAN }),
    writeDicom({ width: 4, height: 4, values: values.slice(0, 16).map((v) => v * 1e5), bitsAllocated: 32 }),
  ].map(u8);
  const zeroChunk = deflateRawSync(Buffer.alloc(2 ** 20), { finishFlush: constants.Z_FULL_FLUSH });
  const deflatedPlain = writeDicom({ width: 8, height: 8, values, transferSyntax: DEFLATED, laterality: 'R' });
  const deflated = deflateBody(deflatedPlain, 0, zeroChunk);
  const rleFrame = encodeRle(packSamples(ramp, 16, 16), 256, 16);
  const rle = u8(writeDicom({ width: 16, height: 16, values: [], transferSyntax: RLE, encapsulated: [rleFrame] }));
  const lsFrame = await encodeFrame('jpeg-ls', 16, 16, packSamples(ramp, 16, 12), 12);
  const j2kFrame = await encodeFrame('jpeg2000', 16, 16, packSamples(ramp, 16, 12), 12);
  const jllFrame = encodeJpegLossless(ramp, 16, 16, 12);
  const jpgFrame = new Uint8Array(await sharp(Uint8Array.from(ramp.map((v) => v % 256)), { raw: { width: 16, height: 16, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 90 }).toBuffer());
  const codecs: { uid: string; frame: Uint8Array; bits: 8 | 16; stored: number }[] = [
    { uid: JPEG_LS, frame: lsFrame, bits: 16, stored: 12 },
    { uid: JPEG_2000, frame: j2kFrame, bits: 16, stored: 12 },
    { uid: JPEG_LOSSLESS, frame: jllFrame, bits: 16, stored: 12 },
    { uid: JPEG_BASELINE, frame: jpgFrame, bits: 8, stored: 8 },
  ];
  const codecFiles = codecs.map((c) => u8(writeDicom({ width: 16, height: 16, values: [], bitsAllocated: c.bits, bitsStored: c.stored, transferSyntax: c.uid, encapsulated: [c.frame] })));

  return {
    make(index: number): FuzzCase {
      const rnd = seededRng(seed * 1_000_003 + index);
      const kind = CASE_KINDS[index % CASE_KINDS.length];
      const name = `case-${seed}-${index}-${kind}.dcm`;
      const bytes = ((): Uint8Array => {
        switch (kind) {
          case 'mutated-native': return mutate(pick(rnd, native), rnd);
          case 'mutated-deflated': return mutate(deflated, rnd);
          case 'deflate-bomb': return deflateBody(deflatedPlain, int(rnd, 12) === 0 ? 6 + int(rnd, 30) : int(rnd, 3), zeroChunk);
          case 'mutated-rle': return mutate(rle, rnd);
          case 'rle-amplified': {
            // A frame of long runs declaring a size up to 4096 x 4096 (amplification up to 64x).
            const w = 1 + int(rnd, 4096), h = 1 + int(rnd, 4096);
            const seg = new Uint8Array(2 * (1 + int(rnd, 2048)));
            for (let i = 0; i < seg.length; i += 2) { seg[i] = 0x81; seg[i + 1] = int(rnd, 256); }
            const frame = new Uint8Array(64 + 2 * seg.length);
            const dv = new DataView(frame.buffer);
            dv.setUint32(0, 2, true); dv.setUint32(4, 64, true); dv.setUint32(8, 64 + seg.length, true);
            frame.set(seg, 64); frame.set(seg, 64 + seg.length);
            return u8(writeDicom({ width: w, height: h, values: [], transferSyntax: RLE, encapsulated: [frame] }));
          }
          case 'mutated-codec': return mutate(pick(rnd, codecFiles), rnd);
          case 'codec-amplified': {
            const c = pick(rnd, codecs);
            const w = 1 + int(rnd, int(rnd, 2) ? 64 : 4096), h = 1 + int(rnd, int(rnd, 2) ? 64 : 4096);
            const frame = setCodestreamSize(c.frame, w, h);
            const file = u8(writeDicom({ width: w, height: h, values: [], bitsAllocated: c.bits, bitsStored: c.stored, transferSyntax: c.uid, encapsulated: [frame] }));
            return int(rnd, 3) === 0 ? mutate(file, rnd) : file;
          }
          case 'declared-size': {
            const w = 1 + int(rnd, 65535), h = 1 + int(rnd, 65535);
            return u8(writeDicom({ width: w, height: h, values: values.slice(0, int(rnd, 64)), bitsAllocated: pick(rnd, [8, 16, 32] as const) }));
          }
          case 'rescale': {
            const extreme = [1e308, -1e308, 1e39, -1e39, 3.5e38, 1e-320, 0, 1, -1, 2.5, 1e30];
            return u8(writeDicom({ width: 4, height: 4, values: values.slice(0, 16), bitsStored: 12, slope: pick(rnd, extreme), intercept: pick(rnd, extreme) }));
          }
          case 'pixels-32bit': {
            const stored = 1 + int(rnd, 32);
            const signed = int(rnd, 2) === 1;
            const v = Array.from({ length: 16 }, () => Math.floor(rnd() * 2 ** 32));
            const file = u8(writeDicom({ width: 4, height: 4, values: v, bitsAllocated: 32, bitsStored: stored, signed, slope: int(rnd, 4) === 0 ? 1e30 : 1 }));
            return int(rnd, 4) === 0 ? mutate(file, rnd) : file;
          }
        }
      })();
      return { kind, name, bytes };
    },
  };
}

export type Outcome = 'success' | 'clean-error' | 'crash' | 'hang';

// Decodes one case within `limits`: a success must hold width x height finite values within
// the limits; a clean error is a DataFormatError naming the case; anything else is a crash. A
// case still running after `hangMs` is a hang.
export async function runCase(c: FuzzCase, limits: DecodeLimits, hangMs: number): Promise<{ outcome: Outcome; detail: string }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<{ outcome: Outcome; detail: string }>((resolve) => { timer = setTimeout(() => resolve({ outcome: 'hang', detail: `still running after ${hangMs} ms` }), hangMs); });
  const run = decodeDicom(c.bytes, c.name, { limits }).then((img) => {
    const n = img.width * img.height;
    if (img.values.length !== n) return { outcome: 'crash' as Outcome, detail: `${img.values.length} values for ${img.width}x${img.height}` };
    if (n > limits.maxPixels) return { outcome: 'crash' as Outcome, detail: `decoded ${n} pixels over the limit` };
    for (let i = 0; i < n; i++) if (!Number.isFinite(img.values[i])) return { outcome: 'crash' as Outcome, detail: `value ${img.values[i]} at ${i}` };
    return { outcome: 'success' as Outcome, detail: '' };
  }, (e: unknown) => {
    if (e instanceof DataFormatError && e.file === c.name && e.message.startsWith(`${c.name}: `)) return { outcome: 'clean-error' as Outcome, detail: e.problem };
    return { outcome: 'crash' as Outcome, detail: String(e instanceof Error ? `${e.name}: ${e.message}` : e) };
  });
  try {
    return await Promise.race([run, hang]);
  } finally {
    clearTimeout(timer);
  }
}
