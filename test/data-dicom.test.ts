import t from 'tap';
import { deflateRawSync } from 'node:zlib';
import sharp from 'sharp';
import { decodeDicom, dicomToGray } from '../lib/data/dicom';
import { DataFormatError, UnsupportedTransferSyntaxError } from '../lib/data/errors';
import { seededRandom } from './support/check';
import {
  writeDicom, encodeFrame, encodeRle, encodeJpegLossless, packSamples, IMPLICIT_LE, EXPLICIT_LE, JPEG_LS, JPEG_2000, RLE,
} from './support/dicom-fixtures';

const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function randomValues(seed: number, n: number, bitsStored: number, signed: boolean): number[] {
  const rnd = seededRandom(seed);
  const lo = signed ? -(2 ** (bitsStored - 1)) : 0;
  const hi = signed ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  const v = Array.from({ length: n }, () => lo + Math.floor(rnd() * (hi - lo + 1)));
  v[0] = lo; v[1] = hi; // the extremes always appear
  return v;
}

const depths: Array<{ bitsAllocated: 8 | 16; bitsStored: number; signed: boolean }> = [
  { bitsAllocated: 8, bitsStored: 8, signed: false },
  { bitsAllocated: 8, bitsStored: 8, signed: true },
  { bitsAllocated: 16, bitsStored: 12, signed: false },
  { bitsAllocated: 16, bitsStored: 12, signed: true },
  { bitsAllocated: 16, bitsStored: 14, signed: false },
  { bitsAllocated: 16, bitsStored: 14, signed: true },
  { bitsAllocated: 16, bitsStored: 16, signed: false },
  { bitsAllocated: 16, bitsStored: 16, signed: true },
];

t.test('uncompressed round trip: every VR, photometric, depth and signedness', async (t) => {
  let seed = 1;
  for (const ts of [IMPLICIT_LE, EXPLICIT_LE]) {
    for (const photometric of ['MONOCHROME1', 'MONOCHROME2'] as const) {
      for (const d of depths) {
        const width = 7, height = 5;
        const values = randomValues(seed++, width * height, d.bitsStored, d.signed);
        const file = writeDicom({ width, height, values, ...d, photometric, transferSyntax: ts, slope: 2, intercept: -3, laterality: 'R', view: 'CC' });
        const img = await decodeDicom(u8(file), 'fixture.dcm');
        const what = `${ts} ${photometric} ${d.bitsAllocated}/${d.bitsStored} ${d.signed ? 'signed' : 'unsigned'}`;
        t.same([img.width, img.height, img.bitsStored, img.signed, img.photometric, img.transferSyntax], [width, height, d.bitsStored, d.signed, photometric, ts], `${what}: header`);
        t.same(Array.from(img.values), values.map((v) => v * 2 - 3), `${what}: values after rescale`);
        t.same([img.laterality, img.view], ['R', 'CC'], `${what}: laterality and view`);
      }
    }
  }
});

t.test('windowing: several values, the chosen one applies, MONOCHROME1 inverts', async (t) => {
  const values = [0, 100, 200, 300, 400];
  const file = writeDicom({ width: 5, height: 1, values, bitsStored: 12, windowCenter: [200.5, 100.5], windowWidth: [201, 1001] });
  const img = await decodeDicom(u8(file), 'w.dcm');
  t.same(img.windows, [{ center: 200.5, width: 201 }, { center: 100.5, width: 1001 }]);
  const g0 = dicomToGray(img);
  t.same(Array.from(g0.data), [0, 0, 0.5, 1, 1], 'window 0: linear ramp clipped');
  const g1 = dicomToGray(img, { window: 1 });
  t.ok(Math.abs(g1.data[1] - 0.5) < 1e-6, 'window 1 centre maps to 0.5');
  const gm = dicomToGray(img, { window: 'minmax' });
  t.same(Array.from(gm.data), [0, 0.25, 0.5, 0.75, 1]);
  const inv = await decodeDicom(u8(writeDicom({ width: 5, height: 1, values, bitsStored: 12, photometric: 'MONOCHROME1' })), 'm1.dcm');
  t.same(Array.from(dicomToGray(inv).data), [1, 0.75, 0.5, 0.25, 0], 'MONOCHROME1 without window: inverted full range');
  t.same(Array.from(inv.values), values, 'stored values are not inverted');
});

t.test('view from the view code sequence when ViewPosition is absent', async (t) => {
  const file = writeDicom({
    width: 2, height: 2, values: [1, 2, 3, 4], extra: {
      Laterality: 'L', ViewCodeSequence: [{ CodeValue: 'R-10242', CodingSchemeDesignator: 'SRT', CodeMeaning: 'cranio-caudal' }],
    },
  });
  const img = await decodeDicom(u8(file), 'v.dcm');
  t.same([img.laterality, img.view], ['L', 'CC']);
});

t.test('Patient ID (0010,0020): trimmed; null when absent or blank', async (t) => {
  const withId = (extra?: Record<string, unknown>) => decodeDicom(u8(writeDicom({ width: 2, height: 2, values: [1, 2, 3, 4], extra })), 'p.dcm');
  t.equal((await withId({ PatientID: ' 6c613a14b80a8591 ' })).patientId, '6c613a14b80a8591');
  t.equal((await withId({ PatientID: 'P_00001' })).patientId, 'P_00001', 'even length, no padding');
  t.equal((await withId()).patientId, null, 'absent');
  t.equal((await withId({ PatientID: '   ' })).patientId, null, 'blank');
  const implicit = await decodeDicom(u8(writeDicom({ width: 2, height: 2, values: [1, 2, 3, 4], transferSyntax: IMPLICIT_LE, extra: { PatientID: 'W7' } })), 'i.dcm');
  t.equal(implicit.patientId, 'W7', 'implicit VR');
});

t.test('compressed transfer syntaxes decode to the written pixels', async (t) => {
  const width = 64, height = 48;
  for (const bitsStored of [12, 16]) {
    const values = randomValues(bitsStored, width * height, bitsStored, false);
    const samples = packSamples(values, 16, bitsStored);
    for (const [kind, ts] of [['jpeg-ls', JPEG_LS], ['jpeg2000', JPEG_2000]] as const) {
      const frame = await encodeFrame(kind, width, height, samples, bitsStored);
      const img = await decodeDicom(u8(writeDicom({ width, height, values, bitsStored, transferSyntax: ts, encapsulated: [frame], intercept: 5 })), `${kind}.dcm`);
      t.same(Array.from(img.values), values.map((v) => v + 5), `${kind} ${bitsStored}-bit`);
    }
    const jll = encodeJpegLossless(values, width, height, bitsStored);
    const lossless = await decodeDicom(u8(writeDicom({ width, height, values, bitsStored, transferSyntax: '1.2.840.10008.1.2.4.70', encapsulated: [jll] })), 'jll.dcm');
    t.same(Array.from(lossless.values), values, `JPEG lossless SV1 ${bitsStored}-bit`);
    const rle = encodeRle(samples, width * height, 16);
    const img = await decodeDicom(u8(writeDicom({ width, height, values, bitsStored, transferSyntax: RLE, encapsulated: [rle] })), 'rle.dcm');
    t.same(Array.from(img.values), values, `RLE ${bitsStored}-bit`);
  }
  const signedValues = randomValues(99, width * height, 12, true);
  const frame = await encodeFrame('jpeg-ls', width, height, packSamples(signedValues, 16, 12), 12);
  const img = await decodeDicom(u8(writeDicom({ width, height, values: signedValues, bitsStored: 12, signed: true, transferSyntax: JPEG_LS, encapsulated: [frame] })), 'jls-signed.dcm');
  t.same(Array.from(img.values), signedValues, 'JPEG-LS with signed 12-bit pixel representation');
});

t.test('JPEG baseline (8-bit grey) through libjpeg-turbo', async (t) => {
  const width = 24, height = 16;
  const values = Array.from({ length: width * height }, (_, i) => ((i % width) * 9 + Math.floor(i / width) * 5) % 256);
  const jpeg = new Uint8Array(await sharp(Uint8Array.from(values), { raw: { width, height, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 95 }).toBuffer());
  const reference = await sharp(jpeg).toColourspace('b-w').raw().toBuffer();
  const img = await decodeDicom(u8(writeDicom({ width, height, values: [], bitsAllocated: 8, transferSyntax: '1.2.840.10008.1.2.4.50', encapsulated: [jpeg] })), 'jpeg.dcm');
  t.ok(img.values.every((v, i) => Math.abs(v - reference[i]) <= 1), 'decoded like sharp decodes the same JPEG');
  t.ok(img.values.every((v, i) => Math.abs(v - values[i]) <= 12), 'close to the original pixels (lossy)');
});

t.test('deflated explicit VR little endian', async (t) => {
  const values = randomValues(11, 6 * 4, 16, false);
  const plain = writeDicom({ width: 6, height: 4, values, transferSyntax: '1.2.840.10008.1.2.1.99', laterality: 'L' });
  const groupLength = plain.readUInt32LE(132 + 8);
  const bodyAt = 132 + 12 + groupLength;
  const deflated = Buffer.concat([plain.subarray(0, bodyAt), deflateRawSync(plain.subarray(bodyAt))]);
  t.ok(deflated.length !== plain.length, 'body is compressed');
  const img = await decodeDicom(u8(deflated), 'deflated.dcm');
  t.same([img.transferSyntax, img.laterality], ['1.2.840.10008.1.2.1.99', 'L']);
  t.same(Array.from(img.values), values);
});

t.test('multi-frame encapsulated data: the first frame is read', async (t) => {
  const width = 16, height = 8;
  const f0 = randomValues(21, width * height, 12, false), f1 = randomValues(22, width * height, 12, false);
  const frames = [await encodeFrame('jpeg-ls', width, height, packSamples(f0, 16, 12), 12), await encodeFrame('jpeg-ls', width, height, packSamples(f1, 16, 12), 12)];
  const img = await decodeDicom(u8(writeDicom({ width, height, values: [], bitsStored: 12, transferSyntax: JPEG_LS, encapsulated: frames, extra: { NumberOfFrames: 2 } })), 'mf.dcm');
  t.equal(img.frames, 2);
  t.same(Array.from(img.values), f0);
});

t.test('bad input names the file and the problem', async (t) => {
  const good = writeDicom({ width: 8, height: 8, values: new Array(64).fill(7), bitsStored: 12 });
  await t.rejects(decodeDicom(u8(good.subarray(0, good.length - 20)), 'trunc.dcm'),
    { name: 'DataFormatError', file: 'trunc.dcm', message: /^trunc\.dcm: .*(truncated|past end|buffer)/ });
  await t.rejects(decodeDicom(u8(good.subarray(0, 200)), 'head.dcm'), { name: 'DataFormatError', file: 'head.dcm' });
  await t.rejects(decodeDicom(u8(Buffer.from('hello, this is not a DICOM file at all')), 'text.dcm'), { name: 'DataFormatError', file: 'text.dcm' });
  await t.rejects(decodeDicom(u8(writeDicom({ width: 4, height: 4, values: [], noPixelData: true })), 'nopix.dcm'),
    new DataFormatError('nopix.dcm', 'has no pixel data (7FE0,0010)'));
  const unknown = writeDicom({ width: 4, height: 4, values: [], transferSyntax: '1.2.3.4.5.6', encapsulated: [new Uint8Array([1, 2, 3, 4])] });
  const err = await decodeDicom(u8(unknown), 'unknown.dcm').catch((e) => e);
  t.ok(err instanceof UnsupportedTransferSyntaxError, 'unknown syntax: typed error');
  t.match(err.message, /^unknown\.dcm: cannot decode pixel data in unknown transfer syntax 1\.2\.3\.4\.5\.6; supported: .*convert the file first/);
  const mpeg = writeDicom({ width: 4, height: 4, values: [], transferSyntax: '1.2.840.10008.1.2.4.100', encapsulated: [new Uint8Array([1, 2, 3, 4])] });
  await t.rejects(decodeDicom(u8(mpeg), 'mpeg.dcm'), { name: 'UnsupportedTransferSyntaxError', transferSyntax: '1.2.840.10008.1.2.4.100', message: /MPEG2 Main Profile/ });
  const noHeader = writeDicom({ width: 4, height: 4, values: [], transferSyntax: JPEG_LS, encapsulated: [new Uint8Array([0xff, 0xd8, 0xff, 0xf7, 0, 0])] });
  await t.rejects(decodeDicom(u8(noHeader), 'nohdr.dcm'), new DataFormatError('nohdr.dcm', 'no frame header found in the JPEG-LS Lossless pixel data'));
  const frame = await encodeFrame('jpeg-ls', 32, 24, packSamples(randomValues(5, 32 * 24, 12, false), 16, 12), 12);
  const wrongSize = writeDicom({ width: 16, height: 24, values: [], bitsStored: 12, transferSyntax: JPEG_LS, encapsulated: [frame] });
  await t.rejects(decodeDicom(u8(wrongSize), 'size.dcm'), new DataFormatError('size.dcm', 'JPEG-LS Lossless frame header says 32x24 but the DICOM header says 16x24'));
  const cut = writeDicom({ width: 32, height: 24, values: [], bitsStored: 12, transferSyntax: JPEG_LS, encapsulated: [frame.subarray(0, 40)] });
  await t.rejects(decodeDicom(u8(cut), 'cut.dcm'), { name: 'DataFormatError', message: /^cut\.dcm: cannot decode JPEG-LS Lossless pixel data: ./ });
  const rgb = writeDicom({ width: 2, height: 2, values: [1, 2, 3, 4], bitsAllocated: 8, extra: { PhotometricInterpretation: 'RGB' } });
  await t.rejects(decodeDicom(u8(rgb), 'rgb.dcm'), new DataFormatError('rgb.dcm', 'photometric interpretation RGB is not grayscale (MONOCHROME1/2)'));
});
