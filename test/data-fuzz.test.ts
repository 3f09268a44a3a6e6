import t from 'tap';
import { decodeDicom } from '../lib/data/dicom';
import { parseInbreastXml } from '../lib/data/inbreast';
import { decodePgm, encodePgm } from '../lib/data/pgm';
import { DataFormatError } from '../lib/data/errors';
import { setCodecTimeout } from '../lib/data/codec-worker';
import { seededRandom } from './support/check';
import { writeDicom, encodeFrame, packSamples, IMPLICIT_LE, JPEG_LS } from './support/dicom-fixtures';
import { osirixXml } from './support/inbreast-fixtures';
import { mutate, caseFactory, runCase, CASE_KINDS, FUZZ_LIMITS, type Outcome } from '../fuzz/cases';

// A corrupt codestream can keep a codec busy for a long time (CharLS: 36 s on 133 bytes); the
// worker deadline stops it. Short here, so that the fuzz cases that hit it stay quick.
setCodecTimeout(500);
t.teardown(() => setCodecTimeout(null));

async function jpegLsFixture(): Promise<Uint8Array> {
  const frame = await encodeFrame('jpeg-ls', 16, 16, packSamples(Array.from({ length: 256 }, (_, i) => i * 13 % 4096), 16, 12), 12);
  const b = writeDicom({ width: 16, height: 16, values: [], transferSyntax: JPEG_LS, bitsStored: 12, encapsulated: [frame] });
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

t.test('a codestream that sends the codec into a long loop is stopped with a typed error', async (t) => {
  const good = await jpegLsFixture();
  const bad = new Uint8Array(good.length + 1);
  bad.set(good.subarray(0, 518)); bad[518] = 0x78; bad.set(good.subarray(518), 519); // found by the fuzz test
  await t.rejects(decodeDicom(bad, 'loop.dcm'), { name: 'DataFormatError', message: /^loop\.dcm: cannot decode JPEG-LS Lossless pixel data: codec did not finish within 500 ms/ });
  const img = await decodeDicom(good, 'good.dcm');
  t.equal(img.values[1], 13, 'the codec works again after the stop');
});

t.test('fuzz: mutated DICOMs decode or throw DataFormatError', async (t) => {
  const rnd = seededRandom(20261125);
  const values = Array.from({ length: 64 }, (_, i) => i * 61 % 4096);
  const fixtures = [
    writeDicom({ width: 8, height: 8, values, bitsStored: 12, windowCenter: [100, 200], windowWidth: [50, 60], laterality: 'L', view: 'CC' }),
    writeDicom({ width: 8, height: 8, values, bitsStored: 12, signed: true, photometric: 'MONOCHROME1', transferSyntax: IMPLICIT_LE }),
    writeDicom({ width: 8, height: 8, values: values.map((v) => v % 256), bitsAllocated: 8 }),
  ].map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  fixtures.push(await jpegLsFixture());
  let decoded = 0, typed = 0;
  const untyped: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const src = fixtures[i % 10 === 9 ? 3 : i % 3]; // 10% compressed
    const input = mutate(src, rnd);
    try {
      const img = await decodeDicom(input, `fuzz-${i}.dcm`);
      if (img.values.length !== img.width * img.height) untyped.push(`case ${i}: ${img.values.length} values for ${img.width}x${img.height}`);
      decoded++;
    } catch (e) {
      if (e instanceof DataFormatError && e.file === `fuzz-${i}.dcm` && e.message.startsWith(`fuzz-${i}.dcm: `)) typed++;
      else untyped.push(`case ${i}: ${String(e)}`);
    }
  }
  t.same(untyped.slice(0, 5), [], 'every failure is a DataFormatError naming the file');
  t.equal(decoded + typed, 3000);
  t.ok(decoded > 100 && typed > 100, `both outcomes occur (decoded ${decoded}, rejected ${typed})`);
});

t.test('fuzz: mutated OsiriX XML parses or throws DataFormatError', async (t) => {
  const rnd = seededRandom(7);
  const xml = new TextEncoder().encode(osirixXml([
    { name: 'Mass', points: [[10, 10], [20, 10], [20, 18], [10, 18]] },
    { name: 'Calcification', points: [[30.25, 5.5]] },
  ], 48, 40));
  let parsed = 0, typed = 0;
  const untyped: string[] = [];
  const dec = new TextDecoder();
  for (let i = 0; i < 3000; i++) {
    const text = dec.decode(mutate(xml, rnd));
    try {
      const rois = parseInbreastXml(text, `fuzz-${i}.xml`);
      if (!rois.every((r) => r.points.every((p) => p.every(Number.isFinite)))) untyped.push(`case ${i}: non-finite point`);
      parsed++;
    } catch (e) {
      if (e instanceof DataFormatError && e.file === `fuzz-${i}.xml`) typed++;
      else untyped.push(`case ${i}: ${String(e)}`);
    }
  }
  t.same(untyped.slice(0, 5), [], 'every failure is a DataFormatError naming the file');
  t.ok(parsed > 100 && typed > 100, `both outcomes occur (parsed ${parsed}, rejected ${typed})`);
});

t.test('fuzz: mutated PGM decodes or throws DataFormatError', async (t) => {
  const rnd = seededRandom(3);
  const pgm = encodePgm(8, 8, Uint16Array.from({ length: 64 }, (_, i) => i * 97), 8191);
  const untyped: string[] = [];
  for (let i = 0; i < 1000; i++) {
    try { decodePgm(mutate(pgm, rnd), 'f.pgm'); } catch (e) { if (!(e instanceof DataFormatError)) untyped.push(String(e)); }
  }
  t.same(untyped.slice(0, 5), []);
});

// The fast subset of `npm run fuzz` (100,000 cases): every kind of hostile case, a different seed
// each time the count changes, no crash and no hang allowed.
t.test('fuzz: hostile DICOMs of every kind (decompression, amplification, rescale, 32-bit) decode or fail cleanly', async (t) => {
  setCodecTimeout(null);   // the cases carry their own (small) limits
  t.teardown(() => setCodecTimeout(500));
  const factory = await caseFactory(20261201);
  const counts: Record<Outcome, number> = { success: 0, 'clean-error': 0, crash: 0, hang: 0 };
  const bad: string[] = [];
  const n = 40 * CASE_KINDS.length;
  for (let i = 0; i < n; i++) {
    const c = factory.make(i);
    const r = await runCase(c, FUZZ_LIMITS, 30_000);
    counts[r.outcome]++;
    if (r.outcome === 'crash' || r.outcome === 'hang') bad.push(`${c.name}: ${r.outcome}: ${r.detail}`);
  }
  t.same(bad.slice(0, 5), [], 'no crash, no hang');
  t.ok(counts.success > 50 && counts['clean-error'] > 50, `both outcomes occur (${JSON.stringify(counts)})`);
});
