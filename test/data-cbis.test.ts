import t from 'tap';
import { loadDataset, detectFormat } from '../lib/data/load';
import { parseCbisCsv } from '../lib/data/cbis';
import { writeDicom } from './support/dicom-fixtures';
import { tempDir, writeFile, pattern } from './support/data-fixtures';

const W = 40, H = 32;
const MASS_HEADER = 'patient_id,breast_density,left or right breast,image view,abnormality id,abnormality type,mass shape,mass margins,assessment,pathology,subtlety,image file path,cropped image file path,ROI mask file path';
const CALC_HEADER = 'patient_id,breast density,left or right breast,image view,abnormality id,abnormality type,calc type,calc distribution,assessment,pathology,subtlety,image file path,cropped image file path,ROI mask file path';

function rectMask(w: number, h: number, x0: number, y0: number, x1: number, y1: number): number[] {
  return Array.from({ length: w * h }, (_, i) => { const x = i % w, y = Math.floor(i / w); return x >= x0 && x < x1 && y >= y0 && y < y1 ? 255 : 0; });
}

t.test('CSV parsing: columns by name, split from the file name, malformed rows', async (t) => {
  const { rows, skipped } = parseCbisCsv(`${MASS_HEADER}\nP_00001,3,LEFT,CC,1,mass,OVAL,CIRCUMSCRIBED,4,MALIGNANT,4,a/b/c.dcm,a_1/x/y.dcm,"a_1/x/z.dcm\n"\nP_00002,3,LEFT,CC,1,mass,,,4,BENIGN,4,,,\n`, '/d/mass_case_description_test_set.csv');
  t.same(rows.map((r) => [r.patientId, r.side, r.view, r.type, r.pathology, r.split, r.maskPath]), [['P_00001', 'LEFT', 'CC', 'mass', 'MALIGNANT', 'test', 'a_1/x/z.dcm']]);
  t.same(skipped.map((s) => s.reason), ['malformed CSV row 3: missing patient_id, pathology, image file path or ROI mask file path']);
});

t.test('CBIS-DDSM layout: CSV paths resolved against the TCIA download, masks, pathology', async (t) => {
  const dir = tempDir(t);
  const img = pattern(W, H, 65535);
  // Case 1 (mass, train): on-disk folders differ from the CSV's uid folders, as in the TCIA download.
  writeFile(dir, 'CBIS-DDSM/Mass-Training_P_00001_LEFT_CC/07-20-2016-DDSM-74994/1.000000-full mammogram images-24515/1-1.dcm', writeDicom({ width: W, height: H, values: img, bitsStored: 16 }));
  writeFile(dir, 'CBIS-DDSM/Mass-Training_P_00001_LEFT_CC_1/07-21-2016-DDSM-1/1.000000-ROI mask images-1/1-1.dcm', writeDicom({ width: 8, height: 6, values: pattern(8, 6, 255), bitsAllocated: 8 }));
  writeFile(dir, 'CBIS-DDSM/Mass-Training_P_00001_LEFT_CC_1/07-21-2016-DDSM-1/1.000000-ROI mask images-1/1-2.dcm', writeDicom({ width: W, height: H, values: rectMask(W, H, 5, 6, 15, 12), bitsAllocated: 8 }));
  writeFile(dir, 'CBIS-DDSM/Mass-Training_P_00001_LEFT_CC_2/07-21-2016-DDSM-2/1.000000-ROI mask images-2/1-1.dcm', writeDicom({ width: W + 1, height: H, values: rectMask(W + 1, H, 20, 20, 30, 28), bitsAllocated: 8 }));
  // Case 2 (calc, test): paths exactly as written in the CSV.
  writeFile(dir, 'Calc-Test_P_00002_RIGHT_MLO/1.2.3/1.2.4/000000.dcm', writeDicom({ width: W, height: H, values: img, bitsStored: 16 }));
  writeFile(dir, 'Calc-Test_P_00002_RIGHT_MLO_1/1.2.5/1.2.6/000001.dcm', writeDicom({ width: W, height: H, values: rectMask(W, H, 1, 1, 4, 3), bitsAllocated: 8 }));
  writeFile(dir, 'mass_case_description_train_set.csv', [MASS_HEADER,
    'P_00001,3,LEFT,CC,1,mass,OVAL,CIRCUMSCRIBED,4,MALIGNANT,4,Mass-Training_P_00001_LEFT_CC/1.3.6/1.3.7/000000.dcm,Mass-Training_P_00001_LEFT_CC_1/1.3.6/1.3.8/000000.dcm,"Mass-Training_P_00001_LEFT_CC_1/1.3.6/1.3.8/000001.dcm\n"',
    'P_00001,3,LEFT,CC,2,mass,ROUND,OBSCURED,3,BENIGN_WITHOUT_CALLBACK,2,Mass-Training_P_00001_LEFT_CC/1.3.6/1.3.7/000000.dcm,Mass-Training_P_00001_LEFT_CC_2/1.3.6/1.3.9/000000.dcm,Mass-Training_P_00001_LEFT_CC_2/1.3.6/1.3.9/000001.dcm',
    'P_00003,2,LEFT,MLO,1,mass,OVAL,CIRCUMSCRIBED,4,BENIGN,4,Mass-Training_P_00003_LEFT_MLO/1/2/000000.dcm,Mass-Training_P_00003_LEFT_MLO_1/1/2/000000.dcm,Mass-Training_P_00003_LEFT_MLO_1/1/2/000001.dcm',
    'P_00004,2,LEFT,MLO,1,mass,OVAL,CIRCUMSCRIBED,4,UNKNOWN,4,Mass-Training_P_00004_LEFT_MLO/1/2/000000.dcm,x/1.dcm,x/2.dcm',
  ].join('\n') + '\n');
  writeFile(dir, 'calc_case_description_test_set.csv', [CALC_HEADER,
    'P_00002,2,RIGHT,MLO,1,calcification,PLEOMORPHIC,CLUSTERED,4,BENIGN,3,Calc-Test_P_00002_RIGHT_MLO/1.2.3/1.2.4/000000.dcm,Calc-Test_P_00002_RIGHT_MLO_1/1.2.5/1.2.6/000000.dcm,Calc-Test_P_00002_RIGHT_MLO_1/1.2.5/1.2.6/000001.dcm',
  ].join('\n') + '\n');
  t.equal(await detectFormat(dir), 'cbis');
  const ds = await loadDataset(dir, { format: 'cbis' });
  t.same(ds.classes, ['benign', 'malignant']);
  const byId = Object.fromEntries(ds.samples.map((s) => [s.id, s]));
  t.same(Object.keys(byId).sort(), ['Calc-Test_P_00002_RIGHT_MLO', 'Mass-Training_P_00001_LEFT_CC']);
  const m = byId['Mass-Training_P_00001_LEFT_CC'];
  t.equal(m.label, 'malignant', 'any MALIGNANT abnormality makes the image malignant');
  t.same([m.meta.split, m.meta.laterality, m.meta.view], ['train', 'L', 'CC']);
  t.ok(m.image.data.every((v, i) => Math.abs(v - img[i] / Math.max(...img)) < 1e-6), 'full mammogram pixels');
  t.same(m.boxes, [[5, 6, 15, 12], [20, 20, 29, 28]], 'mask picked by image size (not the cropped patch); the 41-wide mask resampled to 40');
  t.same(m.meta.lesions!.map((l) => l.label), ['malignant', 'benign']);
  t.match((m.meta.warnings as string[])[0], /ROI mask 41x32 resampled to the image's 40x32/);
  t.equal(m.mask!.reduce((a, v) => a + v, 0), 60 + 9 * 8, 'mask is the union of both ROI masks');
  t.same([m.mask![6 * W + 5], m.mask![22 * W + 22], m.mask![0]], [1, 1, 0]);
  const c = byId['Calc-Test_P_00002_RIGHT_MLO'];
  t.same([c.label, c.meta.split, c.meta.laterality, c.boxes.length], ['benign', 'test', 'R', 0], 'calcifications are not mass boxes');
  t.same(c.meta.lesions, [{ box: [1, 1, 4, 3], kind: 'calcification', label: 'benign' }]);
  t.equal(c.mask!.reduce((a, v) => a + v, 0), 0, 'calcification not in the mass mask');
  const reasons = ds.skipped.map((s) => `${s.id}: ${s.reason}`);
  t.same(ds.skipped.length, 2);
  t.ok(reasons.some((r) => /^Mass-Training_P_00003_LEFT_MLO: missing image: Mass-Training_P_00003_LEFT_MLO\/1\/2\/000000\.dcm \(row 4\) not found$/.test(r)), 'missing image listed');
  t.ok(reasons.some((r) => /^Mass-Training_P_00004_LEFT_MLO: malformed CSV row 5: pathology "UNKNOWN" is not one of MALIGNANT, BENIGN, BENIGN_WITHOUT_CALLBACK$/.test(r)), 'bad pathology listed');
});
