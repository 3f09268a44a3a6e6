import t from 'tap';
import { existsSync } from 'node:fs';
import { loadDataset } from '../lib/data/load';
import { parseMiasInfo } from '../lib/data/mias';
import { encodePgm, decodePgm } from '../lib/data/pgm';
import { summarizeDataset } from '../lib/data/summary';
import { preprocessSample, boxToOriginal } from '../lib/data/preprocess';
import { tempDir, writeFile, pattern } from './support/data-fixtures';

const INFO = [
  'MIAS header text that is not data',
  'mdb001 G CIRC B 535 425 197',
  'mdb002 G CIRC B 522 280 69',
  'mdb003 D NORM ',
  'mdb005 F CIRC B 477 133 30',
  'mdb005 F CIRC B 500 168 26',
  'mdb010 F CIRC B',
  'mdb011 F CALC M *NOTE 3* ',
  'mdb012 F ASYM M 10 20',
  'mdb013 X NORM',
].join('\r\n');

t.test('Info.txt parsing: several lines per image, missing coordinates, malformed lines', async (t) => {
  const { records, skipped } = parseMiasInfo(INFO, 'Info.txt');
  t.same(records.map((r) => r.id), ['mdb001', 'mdb002', 'mdb003', 'mdb005', 'mdb010', 'mdb011', 'mdb012']);
  t.same(records[3].abnormalities.map((a) => [a.x, a.y, a.radius]), [[477, 133, 30], [500, 168, 26]]);
  t.same(records[4].abnormalities[0], { class: 'CIRC', severity: 'B', x: null, y: null, radius: null });
  t.same(records[5].abnormalities[0], { class: 'CALC', severity: 'M', x: null, y: null, radius: null });
  t.same(skipped.map((s) => s.reason), [
    'malformed Info.txt line 9 "mdb012 F ASYM M 10 20": expected X Y RADIUS or nothing after the severity, found 2 fields',
    'malformed Info.txt line 10 "mdb013 X NORM": background X is not F, G or D',
  ]);
});

t.test('original layout: PGM + Info.txt, origin bottom-left becomes top-left', async (t) => {
  const dir = tempDir(t);
  const W = 64, H = 64;
  writeFile(dir, 'Info.txt', [
    'mdb001 G CIRC B 20 40 5',     // y from the bottom: top-left y = 64 - 40 = 24
    'mdb002 F NORM',
    'mdb003 D SPIC M 50 10 4',
    'mdb003 D CALC B 10 10 3',
    'mdb004 F CIRC B',             // a mass with no location
    'mdb005 F NORM',               // its image is missing
    'mdb006 F CIRC M 100 10 4',    // outside the 64x64 image
  ].join('\r\n'));
  const px = pattern(W, H, 255);
  for (const id of ['mdb001', 'mdb002', 'mdb003', 'mdb004', 'mdb006']) writeFile(dir, `${id}.pgm`, encodePgm(W, H, Uint8Array.from(px)));
  const ds = await loadDataset(dir, { format: 'mias' });
  t.same(ds.classes, ['normal', 'benign', 'malignant']);
  const byId = Object.fromEntries(ds.samples.map((s) => [s.id, s]));
  t.same(Object.keys(byId).sort(), ['mdb001', 'mdb002', 'mdb003', 'mdb004']);
  t.same(Array.from(byId.mdb001.image.data.slice(0, 5)).map((v) => Math.round(v * 255)), px.slice(0, 5), 'pixels round trip');
  t.same(byId.mdb001.boxes, [[15, 19, 25, 29]], 'box in the top-left frame');
  const m = byId.mdb001.mask!;
  t.equal(m[24 * W + 20], 1, 'disk centre set');
  t.equal(m[24 * W + 26], 0, 'outside radius clear');
  t.equal(m.reduce((a, b) => a + b, 0), 80, 'disk of radius 5 covers 80 pixel centres (20 per quadrant)');
  t.equal(byId.mdb002.label, 'normal');
  t.same(byId.mdb002.mask!.reduce((a, b) => a + b, 0), 0);
  t.equal(byId.mdb003.label, 'malignant');
  t.same(byId.mdb003.boxes, [[46, 50, 54, 58]], 'only the mass is a detection box');
  t.same(byId.mdb003.meta.lesions!.map((l) => l.kind), ['mass', 'calcification']);
  t.equal(byId.mdb004.mask, null, 'a mass without location leaves the mask unknown');
  t.equal((byId.mdb004.meta.unlocated as unknown[]).length, 1);
  t.same(ds.skipped.map((s) => [s.id, s.reason.split(':')[0]]), [['mdb005', 'cannot read file'], ['mdb006', 'abnormality CIRC at (100, 54) lies outside the 64x64 image']].map(([id, r]) => [id, r.split(':')[0]]));
  t.match(ds.skipped[0].file, /mdb005\.pgm$/);
});

t.test('PGM codec: 8 and 16 bit, ASCII, truncation', async (t) => {
  const v16 = Uint16Array.from(pattern(9, 4, 4095));
  const back = decodePgm(encodePgm(9, 4, v16, 4095));
  t.same([back.width, back.height, back.bitDepth, back.maxval], [9, 4, 16, 4095]);
  t.same(Array.from(back.values), Array.from(v16));
  const ascii = decodePgm(new TextEncoder().encode('P2\n# c\n3 2\n9\n0 1 2\n3 4 9\n'));
  t.same(Array.from(ascii.values), [0, 1, 2, 3, 4, 9]);
  t.throws(() => decodePgm(encodePgm(9, 4, v16, 4095).subarray(0, 40), 'cut.pgm'), { name: 'DataFormatError', message: /^cut\.pgm: PGM pixel data has \d+ bytes, expected 72 \(truncated\?\)$/ });
  t.throws(() => decodePgm(new TextEncoder().encode('P5 3'), 'h.pgm'), { message: 'h.pgm: PGM header is truncated or malformed' });
});

const REAL = '/work/shared/data/mias';
t.test('real mini-MIAS training split', { skip: existsSync(`${REAL}/mias.json`) ? false : `${REAL}/mias.json is not present on this machine` }, async (t) => {
  const ds = await loadDataset(REAL, { format: 'mias' });
  const s = summarizeDataset(ds);
  // The counts its README states.
  t.equal(s.images, 240);
  t.same(s.perLabel, { normal: 155, benign: 47, malignant: 38 });
  t.equal(s.lesions.mass, 43, '43 located masses');
  t.equal(s.lesions.imagesWithMass, 41, 'on 41 images');
  t.equal(s.lesions.mass + s.lesions.calcification + s.lesions.other + ds.samples.reduce((a, x) => a + (x.meta.unlocated as unknown[]).length, 0), 90, '90 abnormalities');
  t.equal(ds.skipped.length, 0);
  const mdb001 = ds.samples.find((x) => x.id === 'mdb001')!;
  t.same([mdb001.image.width, mdb001.image.height], [512, 512]);
  t.same(mdb001.boxes, [[169, 201, 366, 398]], 'mdb001: box from (267.5, 299.5) r 98.5');
  t.equal(ds.samples.find((x) => x.id === 'mdb059')!.mask, null, 'mdb059 has no coordinates');
  t.equal(ds.samples.find((x) => x.id === 'mdb144')!.label, 'malignant', 'mdb144: one benign and one malignant mass');
  // Preprocessing real images: the chest wall ends up on the left, boxes map back exactly.
  for (const id of ['mdb001', 'mdb002', 'mdb005']) {
    const orig = ds.samples.find((x) => x.id === id)!;
    const { sample: p, geometry: g } = preprocessSample(orig, { size: 256 });
    let left = 0, right = 0;
    for (let y = 0; y < g.contentHeight; y++) for (let k = 0; k < 10; k++) { left += p.image.data[y * 256 + k]; right += p.image.data[y * 256 + g.contentWidth - 1 - k]; }
    t.ok(left > right, `${id}: chest wall on the left after preprocessing (flipped ${g.flipped}, ${g.flipReason})`);
    p.boxes.forEach((b, k) => {
      const o = orig.boxes[k], c = g.crop; // boxes are clipped to the breast crop
      const expected = [Math.max(o[0], c.x), Math.max(o[1], c.y), Math.min(o[2], c.x + c.width), Math.min(o[3], c.y + c.height)];
      const back = boxToOriginal(b, g);
      t.ok(back.every((v, i) => Math.abs(v - expected[i]) < 1e-3), `${id} box ${k} maps back: [${back.map((v) => v.toFixed(2))}] vs [${expected}]`);
    });
    t.ok(Math.abs(p.mask!.reduce((a, v) => a + v, 0) / (g.scale * g.scale) - orig.mask!.reduce((a, v) => a + v, 0)) < 0.05 * orig.mask!.reduce((a, v) => a + v, 0) + 50, `${id}: mask area scales with the image`);
  }
});
