// Hostile DICOMs (issue 15, problems 1-3, 5, 6): decompression bombs, declared sizes over the
// limits, a stalling codec frame, 32-bit pixels and non-finite rescale values.
import t from 'tap';
import { constants, deflateRawSync } from 'node:zlib';
import { decodeDicom } from '../lib/data/dicom';
import { DEFAULT_DECODE_LIMITS, resolveDecodeLimits, setDecodeLimits, resetDecodeLimits, codecDeadlineMs } from '../lib/data/limits';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeDicom, encodeFrame, encodeRle, packSamples, JPEG_LS, RLE } from './support/dicom-fixtures';
import { runCli } from './support/run-cli';

const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const DEFLATED = '1.2.840.10008.1.2.1.99';

// A Deflated data set whose stream inflates to `mib` MiB of zeros after the real data set, built
// from one self-contained 1 MiB block repeated (the file stays small, nothing large is allocated).
function deflateBomb(mib: number): Buffer {
  const plain = writeDicom({ width: 8, height: 8, values: Array.from({ length: 64 }, (_, i) => i), transferSyntax: DEFLATED });
  const bodyAt = 132 + 12 + plain.readUInt32LE(132 + 8);
  const head = deflateRawSync(plain.subarray(bodyAt), { finishFlush: constants.Z_FULL_FLUSH });
  const zeros = deflateRawSync(Buffer.alloc(2 ** 20), { finishFlush: constants.Z_FULL_FLUSH });
  const end = deflateRawSync(Buffer.alloc(0));
  return Buffer.concat([plain.subarray(0, bodyAt), head, ...Array.from({ length: mib }, () => zeros), end]);
}

t.test('1: a Deflated data set that inflates past the limit is refused while inflating', async (t) => {
  const bomb = deflateBomb(400);
  t.ok(bomb.length < 2 ** 20, `the bomb file is small (${bomb.length} bytes) and inflates to 400 MiB`);
  const limit = DEFAULT_DECODE_LIMITS.maxDecodedBytes + 16 * 2 ** 20;
  await t.rejects(decodeDicom(u8(bomb), 'bomb.dcm'), {
    name: 'DataFormatError',
    message: `bomb.dcm: the Deflated data set inflates to more than ${limit} bytes (maxDecodedBytes + 16 MiB for the header); refusing a decompression bomb`,
  });
  // A lower limit set for the whole process applies too.
  setDecodeLimits({ maxDecodedBytes: 2 ** 20 });
  t.teardown(resetDecodeLimits);
  await t.rejects(decodeDicom(u8(deflateBomb(20)), 'small-bomb.dcm'), { message: /inflates to more than 17825792 bytes/ });
  const ok = await decodeDicom(u8(deflateBomb(0)), 'fine.dcm');
  t.equal(ok.values[63], 63, 'a normal deflated file still decodes');
});

t.test('2: a declared size over the limits is refused before anything is allocated', async (t) => {
  // 4 MB-style RLE amplification: a tiny frame declaring 16384 x 16384 (2^28 pixels).
  const rle = new Uint8Array(64 + 2);
  new DataView(rle.buffer).setUint32(0, 2, true);
  const file = writeDicom({ width: 16384, height: 16384, values: [], transferSyntax: RLE, encapsulated: [rle] });
  await t.rejects(decodeDicom(u8(file), 'rle-bomb.dcm'), {
    name: 'DataFormatError',
    message: 'rle-bomb.dcm: declared image size 16384x16384 (268435456 pixels) exceeds the limit of 67108864 pixels (maxPixels)',
  });
  // Bytes per image: 32-bit samples double the bytes of the same pixels.
  const wide = writeDicom({ width: 64, height: 64, values: new Array(4096).fill(1), bitsAllocated: 32 });
  await t.rejects(decodeDicom(u8(wide), 'wide.dcm', { limits: { maxDecodedBytes: 8192 } }), {
    message: 'wide.dcm: declared image size 64x64 at 32 bits decodes to 16384 bytes, over the limit of 8192 bytes (maxDecodedBytes)',
  });
  // Within the limits, RLE runs amplify as they should (2 bytes -> 128 samples per segment).
  const w = 512, h = 512, runs = (w * h) / 128;
  const seg = new Uint8Array(runs * 2);
  for (let i = 0; i < runs; i++) { seg[2 * i] = 0x81; seg[2 * i + 1] = 7; }   // -127: repeat 128 times
  const frame = new Uint8Array(64 + 2 * seg.length);
  const dv = new DataView(frame.buffer);
  dv.setUint32(0, 2, true); dv.setUint32(4, 64, true); dv.setUint32(8, 64 + seg.length, true);
  frame.set(seg, 64); frame.set(seg, 64 + seg.length);
  const img = await decodeDicom(u8(writeDicom({ width: w, height: h, values: [], transferSyntax: RLE, encapsulated: [frame] })), 'runs.dcm');
  t.equal(img.values[w * h - 1], 7 * 256 + 7);
  await t.rejects(decodeDicom(u8(writeDicom({ width: w, height: h, values: [], transferSyntax: RLE, encapsulated: [frame] })), 'runs.dcm', { limits: { maxPixels: 1000 } }), {
    message: /runs\.dcm: declared image size 512x512 \(262144 pixels\) exceeds the limit of 1000 pixels/,
  });
  // A real encoder's frame still decodes.
  const values = Array.from({ length: 64 }, (_, i) => i * 1000);
  const good = await decodeDicom(u8(writeDicom({ width: 8, height: 8, values: [], transferSyntax: RLE, encapsulated: [encodeRle(packSamples(values, 16, 16), 64, 16)] })), 'good.dcm');
  t.same(Array.from(good.values), values);
});

t.test('limits are checked and documented by their defaults', async (t) => {
  t.same(resolveDecodeLimits(), { maxPixels: 67108864, maxDecodedBytes: 268435456, codecBaseMs: 2000, codecMsPerMegapixel: 1000 });
  t.equal(codecDeadlineMs(resolveDecodeLimits(), 9 * 17), 2000);
  t.equal(codecDeadlineMs(resolveDecodeLimits(), 20e6), 22000);
  t.throws(() => resolveDecodeLimits({ maxPixels: -1 }), { name: 'RangeError', message: 'Expected a finite number > 0 for limits.maxPixels but received -1' });
  t.throws(() => resolveDecodeLimits({ maxPixel: 5 } as never), { name: 'TypeError', message: /Expected one of maxPixels, maxDecodedBytes, codecBaseMs, codecMsPerMegapixel for a key of limits but received "maxPixel"/ });
  t.throws(() => setDecodeLimits({ codecBaseMs: NaN }), { message: 'Expected a finite number > 0 for limits.codecBaseMs but received NaN' });
});

t.test('3: a stalling codec frame stops at a deadline scaled to its size, saying why', async (t) => {
  const frame = await encodeFrame('jpeg-ls', 16, 16, packSamples(Array.from({ length: 256 }, (_, i) => i * 13 % 4096), 16, 12), 12);
  const good = writeDicom({ width: 16, height: 16, values: [], transferSyntax: JPEG_LS, bitsStored: 12, encapsulated: [frame] });
  const bad = new Uint8Array(good.length + 1);
  bad.set(good.subarray(0, 518)); bad[518] = 0x78; bad.set(good.subarray(518), 519);   // found by the fuzz test
  await t.rejects(decodeDicom(bad, 'stall.dcm'), {
    name: 'DataFormatError',
    message: 'stall.dcm: cannot decode JPEG-LS Lossless pixel data: codec did not finish within 2000 ms, the deadline for a 16x16 frame (codecBaseMs + codecMsPerMegapixel x megapixels): the codestream is corrupt or crafted to stall the decoder',
  });
  await t.rejects(decodeDicom(bad, 'stall.dcm', { limits: { codecBaseMs: 300, codecMsPerMegapixel: 0 } }), { message: /codec did not finish within 300 ms, the deadline for a 16x16 frame/ });
  // A codestream the codec rejects outright says so instead of a bare number.
  const broken = Uint8Array.from(good);
  for (let i = 0; i < 5; i++) broken[good.length - 30 + i] ^= 0x5a;
  await t.rejects(decodeDicom(broken, 'broken.dcm'), {
    message: /^broken\.dcm: cannot decode JPEG-LS Lossless pixel data: the codec rejected the codestream as corrupt or truncated \(internal error \d+\)$/,
  });
  t.equal((await decodeDicom(u8(good), 'good.dcm')).values[1], 13, 'the codec works again after the stop');
});

t.test('5: 32-bit pixels keep their value, unsigned and signed', async (t) => {
  const unsigned = writeDicom({ width: 2, height: 1, values: [3_000_000_000, 4_294_967_295], bitsAllocated: 32 });
  t.same(Array.from((await decodeDicom(u8(unsigned), 'u32.dcm')).values), [3_000_000_000, 4_294_967_296], 'not wrapped to -1294967296 (float32 rounds 2^32-1 up)');
  const signed = writeDicom({ width: 2, height: 1, values: [-5, 2_000_000_000], bitsAllocated: 32, signed: true });
  t.same(Array.from((await decodeDicom(u8(signed), 's32.dcm')).values), [-5, 2_000_000_000]);
  const stored24 = writeDicom({ width: 1, height: 1, values: [2 ** 24 - 1], bitsAllocated: 32, bitsStored: 24 });
  t.same(Array.from((await decodeDicom(u8(stored24), 'u24.dcm')).values), [2 ** 24 - 1]);
});

t.test('6: a rescale that makes values non-finite is refused, naming the tags', async (t) => {
  const file = writeDicom({ width: 2, height: 2, values: [0, 1, 2, 3], slope: 1e308 });
  await t.rejects(decodeDicom(u8(file), 'slope.dcm'), {
    name: 'DataFormatError',
    message: 'slope.dcm: Rescale Slope 1e+308 and Rescale Intercept 0 map stored value 1 (pixel 1) to 1e+308, outside the float32 range; the rescale tags are corrupt',
  });
  const intercept = writeDicom({ width: 1, height: 1, values: [0], intercept: -1e39 });
  await t.rejects(decodeDicom(u8(intercept), 'icpt.dcm'), { message: /icpt\.dcm: Rescale Slope 1 and Rescale Intercept -1e\+39 map stored value 0 \(pixel 0\) to -1e\+39/ });
  const fine = await decodeDicom(u8(writeDicom({ width: 1, height: 1, values: [10], slope: 2.5, intercept: -1 })), 'fine.dcm');
  t.same(Array.from(fine.values), [24]);
});

t.test('the CLI takes the limits before or after the command; inspect says what is wrong', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-limits-cli-'));
  t.teardown(() => { fs.rmSync(dir, { recursive: true, force: true }); resetDecodeLimits(); });
  const file = path.join(dir, 'img.dcm');
  fs.writeFileSync(file, writeDicom({ width: 64, height: 64, values: new Array(4096).fill(5) }));
  for (const args of [['inspect', '--max-pixels', '1000', file], ['--max-pixels', '1000', 'inspect', file]]) {
    const r = await runCli(...args);
    t.equal(r.code, 1, args.join(' '));
    t.equal(r.stderr, `ftmtlnet inspect: ${file}: declared image size 64x64 (4096 pixels) exceeds the limit of 1000 pixels (maxPixels)\n`);
  }
  resetDecodeLimits();
  t.equal((await runCli('inspect', '--json', file)).code, 0, 'within the default limits');
  fs.writeFileSync(file, writeDicom({ width: 2, height: 2, values: [0, 1, 2, 3], slope: 1e308 }));
  const r = await runCli('inspect', file);
  t.equal(r.code, 1);
  t.match(r.stderr, /Rescale Slope 1e\+308 and Rescale Intercept 0 map stored value 1 \(pixel 1\) to 1e\+308, outside the float32 range/);
});
