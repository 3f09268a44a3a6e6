import t from 'tap';
import { loadDataset, detectFormat } from '../lib/data/load';
import { parseInbreastXml, parseInbreastCsv, inbreastPatientFromFileName } from '../lib/data/inbreast';
import { patientFolds, patientKey } from '../lib/data/patient-folds';
import { parsePlistXml } from '../lib/data/plist-xml';
import { DataFormatError } from '../lib/data/errors';
import { writeDicom } from './support/dicom-fixtures';
import { osirixXml, inbreastCsv } from './support/inbreast-fixtures';
import { tempDir, writeFile, pattern } from './support/data-fixtures';

const W = 48, H = 40;

t.test('OsiriX XML: ROIs with names and points; errors name the file and ROI', async (t) => {
  const rois = parseInbreastXml(osirixXml([
    { name: 'Mass', points: [[10, 10], [20, 10], [20, 18], [10, 18]] },
    { name: 'Calcification', points: [[30.25, 5.5]] },
    { name: 'Cluster', points: [[1, 1], [3, 1], [3, 3]] },
    { name: 'Spiculated Region', points: [[1, 1], [3, 1], [3, 3]] },
  ]), 'a.xml');
  t.same(rois.map((r) => [r.name, r.kind, r.points.length]), [['Mass', 'mass', 4], ['Calcification', 'calcification', 1], ['Cluster', 'calcification', 3], ['Spiculated Region', 'other', 3]]);
  t.same(rois[1].points, [[30.25, 5.5]]);
  t.throws(() => parseInbreastXml(osirixXml([{ name: 'Mass', points: [[1, 1], [2, 2], [3, 1]], numberOfPoints: 5 }]), 'n.xml'),
    new DataFormatError('n.xml', 'ROI 0 (Mass) says NumberOfPoints 5 but has 3 points'));
  t.throws(() => parseInbreastXml(osirixXml([{ name: 'Mass', points: [[1, 1]] }]).replace('(1.000000, 1.000000)', '(1.0; 1.0)'), 'p.xml'),
    new DataFormatError('p.xml', 'ROI 0 (Mass) Point_px[0] "(1.0; 1.0)" is not "(x, y)"'));
  t.throws(() => parseInbreastXml('<plist version="1.0"><dict><key>Images</key><array><dict><key>ROIs</key><array><dict>', 'cut.xml'), { name: 'DataFormatError', file: 'cut.xml', message: /^cut\.xml: malformed plist XML/ });
  t.throws(() => parseInbreastXml('<plist><array/></plist>', 'r.xml'), new DataFormatError('r.xml', 'the plist root is not a dict'));
  t.same(parsePlistXml('<plist><dict><key>a&amp;b</key><array><real>1.5</real><true/><string/></array></dict></plist>', 'x'), { 'a&b': [1.5, true, ''] });
  t.throws(() => parsePlistXml('<plist><dict><key>a</key><integer>1.5</integer></dict></plist>', 'i.xml'), /i\.xml: malformed plist XML at offset \d+: <integer> holds "1\.5", not a number/);
});

t.test('CSV: semicolons, Bi-Rads values, malformed rows', async (t) => {
  const { rows, skipped } = parseInbreastCsv(inbreastCsv([{ file: '1', birads: '4a' }, { file: '2', birads: '' }]) + 'x;y\r\n', 'INbreast.csv');
  t.same(rows.map((r) => [r.fileName, r.birads]), [['1', '4a']]);
  t.same(skipped.map((s) => s.reason), ['malformed CSV row 3: missing File Name or Bi-Rads', 'malformed CSV row 4: missing File Name or Bi-Rads']);
  t.throws(() => parseInbreastCsv('a;b\r\n1;2\r\n', 'h.csv'), { message: /^h\.csv: CSV header lacks "File Name" or "Bi-Rads"/ });
  t.throws(() => parseInbreastCsv('File Name;Bi-Rads\r\n"1;2\r\n', 'q.csv'), { name: 'DataFormatError', message: /^q\.csv: malformed CSV: / });
});

t.test('INbreast folder: masks from polygons, calcifications apart, BI-RADS mapping, skipped items', async (t) => {
  const dir = tempDir(t);
  const px = pattern(W, H, 16383);
  const dcm = (id: string, lat: 'L' | 'R') => writeFile(dir, `AllDICOMs/${id}_8a7b6c5d_MG_${lat}_CC_ANON.dcm`, writeDicom({ width: W, height: H, values: px, bitsStored: 14, laterality: lat, view: 'CC' }));
  for (const [id, lat] of [['1001', 'L'], ['1002', 'R'], ['1003', 'L'], ['1004', 'L'], ['1006', 'R'], ['1007', 'L']] as const) dcm(id, lat);
  writeFile(dir, 'AllXML/1001.xml', osirixXml([
    { name: 'Mass', points: [[10, 10], [20, 10], [20, 18], [10, 18]] },
    { name: 'Calcification', points: [[30, 5]] },
    { name: 'Mass', points: [[30, 20], [40, 20], [35, 30]] },
  ], W, H));
  writeFile(dir, 'AllXML/1003.xml', osirixXml([{ name: 'Mass', points: [[10, 10], [60, 10], [60, 18]] }], W, H));
  writeFile(dir, 'AllXML/1004.xml', '<plist><dict><key>Images</key><array><dict><key>ROIs');
  writeFile(dir, 'INbreast.csv', inbreastCsv([
    { file: '1001', birads: '4c' }, { file: '1002', birads: '2', laterality: 'R' }, { file: '1003', birads: '5' },
    { file: '1004', birads: '3' }, { file: '1005', birads: '1' }, { file: '1006', birads: '7' },
  ]));
  t.equal(await detectFormat(dir), 'inbreast');
  const ds = await loadDataset(dir, { format: 'inbreast' });
  t.same(ds.classes, ['benign', 'malignant']);
  const byId = Object.fromEntries(ds.samples.map((s) => [s.id, s]));
  t.same(Object.keys(byId).sort(), ['1001', '1002']);
  const a = byId['1001'];
  t.equal(a.label, 'malignant', 'Bi-Rads 4c -> malignant');
  const lo = Math.min(...px), hi = Math.max(...px);
  t.ok(a.image.data.every((v, i) => Math.abs(v - (px[i] - lo) / (hi - lo)) < 1e-6), 'pixels: the 14-bit values, full range mapped to [0, 1]');
  t.same(a.boxes, [[10, 10, 20, 18], [30, 20, 40, 29]], 'boxes of the filled polygons (pixel centres inside; the triangle tip row has none)');
  t.equal(a.mask!.reduce((s, v) => s + v, 0), 80 + 50, 'rectangle 10x8 + triangle');
  t.same(a.meta.lesions!.map((l) => l.kind), ['mass', 'calcification', 'mass']);
  t.same(a.meta.lesions![1].box, [29.5, 4.5, 30.5, 5.5], 'single-point calcification box');
  t.equal(a.mask![5 * W + 30], 0, 'calcification not in the mass mask');
  t.same([a.meta.laterality, a.meta.view, a.meta.birads], ['L', 'CC', '4c']);
  t.equal(byId['1002'].label, 'benign');
  t.equal(byId['1002'].mask!.reduce((s, v) => s + v, 0), 0, 'no XML: empty mask');
  const reasons = Object.fromEntries(ds.skipped.map((s) => [s.id, s.reason]));
  t.match(reasons['1003'], /^ROI 0 \(Mass\) reaches \(60\.0, 18\.0\), outside the 48x40 image$/);
  t.match(ds.skipped.find((s) => s.id === '1003')!.file, /1003\.xml$/);
  t.match(reasons['1004'], /^malformed plist XML/);
  t.match(reasons['1005'], /^missing image: no DICOM named 1005_\*\.dcm/);
  t.match(reasons['1006'], /^malformed CSV row 7: Bi-Rads "7" is not in the BI-RADS mapping/);
  t.match(reasons['1007'], /^DICOM has no row in the CSV/);
  t.equal(ds.skipped.length, 5);

  const custom = await loadDataset(dir, { format: 'inbreast', biradsMap: { 1: 'normal', 2: 'benign', 3: 'benign', '4a': 'suspicious', '4b': 'suspicious', '4c': 'suspicious', 5: 'malignant', 6: 'malignant', 7: 'malignant' } });
  t.same(custom.classes, ['normal', 'benign', 'suspicious', 'malignant']);
  t.equal(custom.samples.find((s) => s.id === '1001')!.label, 'suspicious', 'configurable mapping');
});

t.test('INbreast patient: the hash in the file name, else the DICOM Patient ID; patientFolds keeps a woman in one fold', async (t) => {
  t.equal(inbreastPatientFromFileName('20586908_6c613a14b80a8591_MG_R_CM_ANON.dcm'), '6c613a14b80a8591');
  t.equal(inbreastPatientFromFileName('20586934_6c613a14b80a8591_mg_l_mlo_anon.DCM'), '6c613a14b80a8591', 'case-insensitive');
  for (const name of ['20586908.dcm', '20586908_6c613a14b80a8591.dcm', '20586908_6c613a14b80a8591_MG_R_CM.dcm', '20586908_6c613a14b80a8591_CT_R_CM_ANON.dcm', '20586908__MG_R_CM_ANON.dcm']) {
    t.equal(inbreastPatientFromFileName(name), null, `not the INbreast shape: ${name}`);
  }
  const dir = tempDir(t);
  const px = pattern(W, H, 4095);
  const dcm = (name: string, patientId?: string) => writeFile(dir, `AllDICOMs/${name}`, writeDicom({ width: W, height: H, values: px, bitsStored: 12, extra: patientId ? { PatientID: patientId } : {} }));
  const rows: Array<{ file: string; birads: string }> = [];
  for (let p = 0; p < 4; p++) {
    for (const side of ['L', 'R']) {
      const file = `10${p}${side === 'L' ? 1 : 2}`;
      dcm(`${file}_hash${p}_MG_${side}_CC_ANON.dcm`, p === 0 ? 'not-the-hash' : undefined);
      rows.push({ file, birads: side === 'L' && p % 2 ? '5' : '2' });
    }
  }
  dcm('2001.dcm', 'W7'); dcm('2002.dcm', 'W7'); dcm('2003.dcm');
  rows.push({ file: '2001', birads: '4a' }, { file: '2002', birads: '1' }, { file: '2003', birads: '3' });
  writeFile(dir, 'INbreast.csv', inbreastCsv(rows));
  const ds = await loadDataset(dir, { format: 'inbreast' });
  t.equal(ds.samples.length, 11);
  const key = Object.fromEntries(ds.samples.map((s) => [s.id, patientKey(s)]));
  t.same(key, {
    1001: 'patient:hash0', 1002: 'patient:hash0', 1011: 'patient:hash1', 1012: 'patient:hash1',
    1021: 'patient:hash2', 1022: 'patient:hash2', 1031: 'patient:hash3', 1032: 'patient:hash3',
    2001: 'patient:W7', 2002: 'patient:W7', 2003: 'image:2003',
  }, 'the file name wins over the DICOM Patient ID; neither: the image is its own patient');
  for (let seed = 0; seed < 5; seed++) {
    const fold = patientFolds(ds.samples, 3, seed);
    const folds = new Map<string, Set<number>>();
    ds.samples.forEach((s, i) => folds.set(patientKey(s), new Set([...(folds.get(patientKey(s)) ?? []), fold[i]])));
    t.same([...folds.values()].map((f) => f.size), [1, 1, 1, 1, 1, 1], `seed ${seed}: each of the 6 patients in one fold`);
  }
});
