import t from 'tap';
import { generatePhantom, generatePhantoms, phantomStream, phantomLabel } from '../lib/data/phantom';
import type { Sample } from '../lib/data/sample';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { buildProgram } from '../lib/cli/main';
import { readFolderDataset } from '../lib/data/folder';

const bytes = (s: Sample): Buffer => Buffer.concat([Buffer.from(s.image.data.buffer), Buffer.from(s.mask!)]);

t.test('same seed gives identical bytes; another seed differs; streaming matches', (t) => {
  const a = generatePhantoms({ count: 6, size: 64, seed: 5 });
  const b = generatePhantoms({ count: 6, size: 64, seed: 5 });
  for (let i = 0; i < a.length; i++) {
    t.ok(bytes(a[i]).equals(bytes(b[i])), `image ${i} identical`);
    t.same(a[i].boxes, b[i].boxes);
    t.same(a[i].meta, b[i].meta);
  }
  const c = generatePhantoms({ count: 6, size: 64, seed: 6 });
  t.notOk(bytes(a[0]).equals(bytes(c[0])), 'different seed, different image');
  t.ok(bytes(generatePhantom(4, { size: 64, seed: 5 })).equals(bytes(a[4])), 'generatePhantom(i) == generatePhantoms()[i]');
  const tail = generatePhantoms({ count: 2, size: 64, seed: 5, start: 4 });
  t.same(tail.map((s) => s.id), [a[4].id, a[5].id]);
  t.same([...phantomStream({ count: 3, size: 64, seed: 5, start: 1 })].map((s) => s.id), a.slice(1, 4).map((s) => s.id));
  t.end();
});

t.test('images in [0, 1]; masks, boxes and labels agree', (t) => {
  const set = generatePhantoms({ count: 24, size: 96, seed: 11 });
  for (const s of set) {
    t.equal(s.image.width, 96);
    t.equal(s.image.data.length, 96 * 96);
    let lo = Infinity, hi = -Infinity;
    for (const v of s.image.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    t.ok(lo >= 0 && hi <= 1, `${s.id} values in [0, 1]`);
    let x1 = 96, y1 = 96, x2 = -1, y2 = -1, area = 0;
    for (let y = 0; y < 96; y++) for (let x = 0; x < 96; x++) {
      if (!s.mask![y * 96 + x]) continue;
      area++;
      x1 = Math.min(x1, x); y1 = Math.min(y1, y); x2 = Math.max(x2, x); y2 = Math.max(y2, y);
    }
    if (s.label === 'normal') {
      t.equal(area, 0, `${s.id} normal has an empty mask`);
      t.same(s.boxes, []);
    } else {
      t.equal(s.boxes.length, 1, `${s.id} one mass`);
      t.same(s.boxes[0], [x1, y1, x2 + 1, y2 + 1], `${s.id} box is the mask's bounding box (x2/y2 exclusive)`);
      t.ok(area > 0.01 * 96 * 96, `${s.id} mass is visible (${area} px)`);
      const lesion = (s.meta.lesions ?? []).find((l) => l.kind === 'mass');
      t.equal(lesion?.label, s.label);
    }
  }
  t.end();
});

t.test('class balance, class subsets and normalFraction', (t) => {
  const labels = Array.from({ length: 90 }, (_, i) => phantomLabel(i, ['normal', 'benign', 'malignant'], 1 / 3));
  for (const c of ['normal', 'benign', 'malignant']) {
    const n = labels.filter((l) => l === c).length;
    t.ok(Math.abs(n - 30) <= 1, `${c}: ${n} of 90`);
  }
  const two = Array.from({ length: 40 }, (_, i) => phantomLabel(i, ['benign', 'malignant'], 0));
  t.ok(Math.abs(two.filter((l) => l === 'malignant').length - 20) <= 1, 'benign/malignant only: balanced');
  const set = generatePhantoms({ count: 10, size: 48, seed: 2, classes: ['benign', 'malignant'] });
  t.notOk(set.some((s) => s.label === 'normal'), 'no normal images without "normal" in classes');
  const mostlyNormal = Array.from({ length: 100 }, (_, i) => phantomLabel(i, ['normal', 'benign', 'malignant'], 0.8));
  t.ok(Math.abs(mostlyNormal.filter((l) => l === 'normal').length - 80) <= 1, 'normalFraction 0.8');
  t.end();
});

t.test('options are validated with the shared message shape', (t) => {
  t.throws(() => generatePhantoms({ count: 2, size: 8, seed: 1 }), new RangeError('Expected an integer from 32 to 4096 for options.size but received 8'));
  t.throws(() => generatePhantoms({ count: 1.5, size: 64, seed: 1 }), new TypeError('Expected an integer for options.count but received 1.5'));
  t.throws(() => generatePhantom(0, { size: 64, seed: 1, classes: ['cancer'] as never }), new TypeError('Expected a non-empty list of distinct "normal", "benign", "malignant" for options.classes but received an array of length 1'));
  t.throws(() => generatePhantom(0, { size: 64, seed: 1, classes: ['benign', 'malignant'], normalFraction: 0.5 }), new RangeError('Expected 0 when classes has no "normal" for options.normalFraction but received 0.5'));
  t.throws(() => generatePhantom(-1, { size: 64, seed: 1 }), new RangeError('Expected an integer >= 0 for index but received -1'));
  t.end();
});

// Shape of a binary mask: compactness 4*pi*A/P^2 (P = length of the pixel-edge boundary, so a
// disc scores ~pi/4) and solidity A / area of the convex hull of the pixel corners.
function shapeStats(mask: Uint8Array, size: number): { compactness: number; solidity: number } {
  let area = 0, perimeter = 0;
  const corners: [number, number][] = [];
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= size || y >= size ? 0 : mask[y * size + x]);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    if (!at(x, y)) continue;
    area++;
    perimeter += Number(!at(x - 1, y)) + Number(!at(x + 1, y)) + Number(!at(x, y - 1)) + Number(!at(x, y + 1));
    corners.push([x, y], [x + 1, y], [x, y + 1], [x + 1, y + 1]);
  }
  corners.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: number[], a: number[], b: number[]): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const hull: number[][] = [];
  for (const pass of [corners, [...corners].reverse()]) {
    const start = hull.length;
    for (const p of pass) {
      while (hull.length >= start + 2 && cross(hull[hull.length - 2], hull[hull.length - 1], p) <= 0) hull.pop();
      hull.push(p);
    }
    hull.pop();
  }
  let hullArea = 0;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i], b = hull[(i + 1) % hull.length];
    hullArea += a[0] * b[1] - b[0] * a[1];
  }
  return { compactness: (4 * Math.PI * area) / (perimeter * perimeter), solidity: area / Math.abs(hullArea / 2) };
}

const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

t.test('malignant masses differ from benign in shape and margin, not by a plain density cue', (t) => {
  const size = 128;
  const set = generatePhantoms({ count: 48, size, seed: 21, classes: ['benign', 'malignant'] });
  const stats: Record<string, { compactness: number[]; solidity: number[]; margin: number[]; contrast: number[] }> = {
    benign: { compactness: [], solidity: [], margin: [], contrast: [] },
    malignant: { compactness: [], solidity: [], margin: [], contrast: [] },
  };
  for (const s of set) {
    const st = shapeStats(s.mask!, size);
    const m = (s.meta.masses as { margin: number; contrast: number }[])[0];
    stats[s.label].compactness.push(st.compactness);
    stats[s.label].solidity.push(st.solidity);
    stats[s.label].margin.push(m.margin);
    stats[s.label].contrast.push(m.contrast);
  }
  const b = stats.benign, m = stats.malignant;
  t.ok(b.compactness.length >= 20 && m.compactness.length >= 20, 'both kinds present');
  t.ok(mean(m.solidity) < mean(b.solidity) - 0.05, `solidity: malignant ${mean(m.solidity).toFixed(3)} < benign ${mean(b.solidity).toFixed(3)}`);
  t.ok(mean(m.compactness) < 0.85 * mean(b.compactness), `compactness: malignant ${mean(m.compactness).toFixed(3)} < benign ${mean(b.compactness).toFixed(3)}`);
  t.ok(Math.min(...m.margin) > Math.max(...b.margin), 'malignant margins are wider (ill-defined) than benign ones');
  t.ok(Math.min(...m.contrast) < Math.max(...b.contrast) && Math.min(...b.contrast) < Math.max(...m.contrast), 'density ranges overlap');
  t.end();
});

t.test('synth CLI writes a folder the reader format describes', async (t) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-synth-'));
  t.teardown(() => fs.rmSync(out, { recursive: true, force: true }));
  const log = console.log;
  console.log = () => undefined;
  try {
    await buildProgram((p) => p.exitOverride()).parseAsync(['node', 'ftmtlnet', 'synth', '--out', out, '--count', '5', '--size', '64', '--seed', '3']);
  } finally {
    console.log = log;
  }
  const ann = JSON.parse(fs.readFileSync(path.join(out, 'annotations.json'), 'utf8'));
  t.same(ann.classes, ['normal', 'benign', 'malignant']);
  t.equal(ann.images.length, 5);
  const expected = generatePhantoms({ count: 5, size: 64, seed: 3 });
  for (let i = 0; i < 5; i++) {
    const entry = ann.images[i];
    t.same(Object.keys(entry), ['file', 'label', 'boxes', 'mask']);
    t.equal(entry.label, expected[i].label);
    t.same(entry.boxes, expected[i].boxes);
    const meta = await sharp(path.join(out, entry.file)).metadata();
    t.same([meta.width, meta.height, meta.channels, meta.depth], [64, 64, 1, 'ushort'], 'image is a 16-bit grey PNG');
    const img = await sharp(path.join(out, entry.file)).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
    const u16 = new Uint16Array(img.buffer, img.byteOffset, 64 * 64);
    t.ok(u16.every((v, k) => Math.abs(v / 65535 - expected[i].image.data[k]) <= 1 / 65535), 'pixel values round-trip');
    const mask = await sharp(path.join(out, entry.mask)).extractChannel(0).raw().toBuffer();
    t.ok(mask.every((v, k) => (v > 127 ? 1 : 0) === expected[i].mask![k]), 'mask round-trips (255 = mass)');
  }
  const read = await readFolderDataset(out);
  t.same(read.skipped, [], 'the folder reader accepts every image');
  t.same(read.classes, ['normal', 'benign', 'malignant']);
  for (let i = 0; i < 5; i++) {
    const r = read.samples.find((s) => s.id === expected[i].id) ?? read.samples[i];
    t.equal(r.label, expected[i].label, `reader: ${expected[i].id} label`);
    t.same(r.boxes, expected[i].boxes, `reader: ${expected[i].id} boxes`);
    t.ok(r.image.data.every((v, k) => Math.abs(v - expected[i].image.data[k]) <= 1e-4), `reader: ${expected[i].id} pixels`);
    t.ok(r.mask!.every((v, k) => v === expected[i].mask![k]), `reader: ${expected[i].id} mask`);
  }
  await t.rejects(buildProgram((p) => p.exitOverride().configureOutput({ writeErr: () => undefined })).parseAsync(['node', 'ftmtlnet', 'synth', '--out', out, '--size', '8']), /Expected an integer from 32 to 4096 for --size but received "8"/);
});
