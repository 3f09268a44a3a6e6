import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset, detectFormat } from '../lib/data/load';
import { validateFolderEntry } from '../lib/data/folder';
import { DataFormatError } from '../lib/data/errors';
import { patientKey } from '../lib/data/patient-folds';
import { writeGrayPng, readRasterImage } from '../lib/data/png';
import { writeDicom } from './support/dicom-fixtures';
import { tempDir, writeFile, pattern } from './support/data-fixtures';

t.test('PNG round trip, 8 and 16 bit', async (t) => {
  const dir = tempDir(t);
  for (const [bits, max] of [[8, 255], [16, 65535]] as const) {
    const v = pattern(11, 6, max);
    const values = bits === 8 ? Uint8Array.from(v) : Uint16Array.from(v.map((x) => x * 97 % 65536));
    await writeGrayPng(join(dir, `p${bits}.png`), 11, 6, values);
    const r = await readRasterImage(join(dir, `p${bits}.png`));
    t.same([r.width, r.height, r.bitDepth], [11, 6, bits]);
    t.same(Array.from(r.values), Array.from(values), `${bits}-bit values`);
  }
  await t.rejects(readRasterImage(writeFile(dir, 'bad.png', 'not a png')), { name: 'DataFormatError', message: /bad\.png: cannot read image: / });
});

t.test('folder format: boxes, mask file, polygons, DICOM, labels, skipped items', async (t) => {
  const dir = tempDir(t);
  const W = 40, H = 30;
  writeFile(dir, 'images/.keep', '');
  await writeGrayPng(join(dir, 'images/a.png'), W, H, Uint8Array.from(pattern(W, H, 255)));
  const maskValues = new Uint8Array(W * H);
  for (let y = 5; y < 10; y++) for (let x = 10; x < 20; x++) maskValues[y * W + x] = 255;
  writeFile(dir, 'masks/.keep', '');
  await writeGrayPng(join(dir, 'masks/a.png'), W, H, maskValues);
  await writeGrayPng(join(dir, 'images/b.png'), W, H, Uint8Array.from(pattern(W, H, 255)));
  await writeGrayPng(join(dir, 'images/small.png'), 10, 10, new Uint8Array(100));
  writeFile(dir, 'images/c.dcm', writeDicom({ width: W, height: H, values: pattern(W, H, 4095), bitsStored: 12, laterality: 'L', view: 'MLO' }));
  const annotations = {
    classes: ['normal', 'benign', 'malignant'],
    images: [
      { file: 'images/a.png', label: 'malignant', boxes: [[10, 5, 20, 10]], mask: 'masks/a.png', split: 'train' },
      { file: 'images/b.png', label: 'benign', polygons: [[[2, 2], [12, 2], [12, 8], [2, 8]]] },
      { file: 'images/c.dcm', label: 'normal', split: 'test' },
      { file: 'images/missing.png', label: 'normal' },
      { file: 'images/a.png', label: 'cancer' },
      { file: 'images/small.png', label: 'benign', boxes: [[5, 5, 50, 8]] },
      { file: '../escape.png', label: 'normal' },
      { file: 'images/b.png', id: 'b-mask', label: 'benign', mask: 'masks/a.png', boxes: [] },
      { file: 'images/small.png', id: 'small-mask', label: 'benign', mask: 'masks/a.png' },
    ],
  };
  writeFile(dir, 'annotations.json', JSON.stringify(annotations));
  t.equal(await detectFormat(dir), 'folder');
  const ds = await loadDataset(dir);
  t.same(ds.classes, ['normal', 'benign', 'malignant']);
  const byId = Object.fromEntries(ds.samples.map((s) => [s.id, s]));
  t.same(Object.keys(byId).sort(), ['a', 'b', 'b-mask', 'c']);
  t.same(byId.a.boxes, [[10, 5, 20, 10]]);
  t.same(Array.from(byId.a.mask!), Array.from(maskValues).map((v) => (v ? 1 : 0)), 'mask file round trip');
  t.equal(byId.a.meta.split, 'train');
  t.same(byId.b.boxes, [[2, 2, 12, 8]], 'box derived from the polygon');
  t.equal(byId.b.mask!.reduce((a, v) => a + v, 0), 60, 'polygon 10x6 fills 60 pixels');
  t.same([byId.c.meta.laterality, byId.c.meta.view, byId.c.label], ['L', 'MLO', 'normal']);
  t.same(Array.from(byId.c.mask!).every((v) => v === 0), true, 'no boxes and no mask: empty mask');
  const reasons = ds.skipped.map((s) => `${s.id} | ${s.reason}`);
  t.equal(ds.skipped.length, 5, 'every bad entry is listed');
  for (const re of [
    /^images\/a\.png \| images\[4\]: "label" "cancer" is not one of the classes/,
    /^\.\.\/escape\.png \| images\[6\]: "file" \.\.\/escape\.png must be a path inside the folder/,
    /^images\/missing\.png \| cannot read file: ENOENT/,
    /^images\/small\.png \| box \[5, 5, 50, 8\] of images\/small\.png lies outside the 10x10 image/,
    /^small-mask \| mask is 40x30 but the image images\/small\.png is 10x10/,
  ]) t.ok(reasons.some((r) => re.test(r)), `skipped: ${re}`);
});

t.test('folder format: malformed annotations.json is a typed error naming the file', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'annotations.json'), '{ "classes": ["a"], "images": [ ');
  await t.rejects(loadDataset(dir, { format: 'folder' }), { name: 'DataFormatError', file: join(dir, 'annotations.json'), message: /invalid JSON/ });
  writeFileSync(join(dir, 'annotations.json'), '{ "classes": [], "images": [] }');
  await t.rejects(loadDataset(dir, { format: 'folder' }), { message: /"classes" must be a non-empty array of names/ });
  await t.rejects(loadDataset(join(dir, 'nope'), { format: 'folder' }), { name: 'DataFormatError', message: /cannot open data set/ });
});

t.test('folder format: "patient" groups images (patientKey); else a DICOM Patient ID; bad values refused', async (t) => {
  const dir = tempDir(t);
  const W = 8, H = 6;
  writeFile(dir, 'images/.keep', '');
  for (const n of ['a', 'b', 'e']) await writeGrayPng(join(dir, `images/${n}.png`), W, H, Uint8Array.from(pattern(W, H, 255)));
  writeFile(dir, 'images/c.dcm', writeDicom({ width: W, height: H, values: pattern(W, H, 4095), bitsStored: 12, extra: { PatientID: 'W9' } }));
  writeFile(dir, 'images/d.dcm', writeDicom({ width: W, height: H, values: pattern(W, H, 4095), bitsStored: 12, extra: { PatientID: 'W9' } }));
  writeFile(dir, 'images/f.dcm', writeDicom({ width: W, height: H, values: pattern(W, H, 4095), bitsStored: 12 }));
  const images = [
    { file: 'images/a.png', label: 'benign', patient: 'P1' },
    { file: 'images/b.png', label: 'normal', patient: ' P1 ' },
    { file: 'images/c.dcm', label: 'normal' },
    { file: 'images/d.dcm', label: 'normal', patient: 'P2' },
    { file: 'images/e.png', label: 'normal' },
    { file: 'images/f.dcm', label: 'normal' },
    { file: 'images/a.png', id: 'bad-number', label: 'normal', patient: 42 },
    { file: 'images/a.png', id: 'bad-blank', label: 'normal', patient: '  ' },
  ];
  writeFile(dir, 'annotations.json', JSON.stringify({ classes: ['normal', 'benign', 'malignant'], images }));
  const jsonFile = join(dir, 'annotations.json');
  t.throws(() => validateFolderEntry(images[6], 6, ['normal'], jsonFile), new DataFormatError(jsonFile, 'images[6]: "patient" 42 is not a non-empty string'));
  t.throws(() => validateFolderEntry(images[7], 7, ['normal'], jsonFile), new DataFormatError(jsonFile, 'images[7]: "patient" "  " is not a non-empty string'));
  const ds = await loadDataset(dir, { format: 'folder' });
  const key = Object.fromEntries(ds.samples.map((s) => [s.id, patientKey(s)]));
  t.same(key, { a: 'patient:P1', b: 'patient:P1', c: 'patient:W9', d: 'patient:P2', e: 'image:e', f: 'image:f' },
    'the field (trimmed) wins over the DICOM Patient ID; a PNG or a DICOM without one is its own patient');
  t.same(ds.skipped.map((s) => [s.id, s.file, s.reason]), [
    ['images/a.png', jsonFile, 'images[6]: "patient" 42 is not a non-empty string'],
    ['images/a.png', jsonFile, 'images[7]: "patient" "  " is not a non-empty string'],
  ]);
});

t.test('folder format: a DICOM Patient ID shared by every image (anonymised) groups nothing', async (t) => {
  const dir = tempDir(t);
  const W = 8, H = 6;
  for (const n of ['g', 'h', 'i']) writeFile(dir, `images/${n}.dcm`, writeDicom({ width: W, height: H, values: pattern(W, H, 4095), bitsStored: 12, extra: { PatientID: 'ANONYMOUS' } }));
  const images = ['g', 'h', 'i'].map((n) => ({ file: `images/${n}.dcm`, label: 'normal' }));
  writeFile(dir, 'annotations.json', JSON.stringify({ classes: ['normal', 'benign', 'malignant'], images }));
  const ds = await loadDataset(dir, { format: 'folder' });
  t.same(ds.samples.map(patientKey), ['image:g', 'image:h', 'image:i']);
  writeFile(dir, 'annotations.json', JSON.stringify({ classes: ['normal'], images: images.map((e) => ({ ...e, patient: 'ANONYMOUS' })) }));
  const given = await loadDataset(dir, { format: 'folder' });
  t.same(given.samples.map(patientKey), ['patient:ANONYMOUS', 'patient:ANONYMOUS', 'patient:ANONYMOUS'], 'an explicit "patient" is kept');
});
