import t from 'tap';
import type { Sample } from '../lib/data/sample';
import { bilateralAuc, contralateralPartners } from '../lib/eval/bilateral';
import { evaluate, type Prediction } from '../lib/eval/metrics';
import { imageRecords, metricsFromRecords } from '../lib/eval/image-records';
import { bootstrapIntervals } from '../lib/eval/bootstrap';
import { metricsJson } from '../lib/cli/commands/eval';

function sample(id: string, label: string, meta: Sample['meta']): Sample {
  return { id, image: { width: 4, height: 4, data: new Float32Array(16) }, mask: null, boxes: [], label, meta };
}

t.test('partners: mini-MIAS pairs, laterality and view, and no guessing', (t) => {
  const mias = ['mdb001', 'mdb002', 'mdb003', 'mdb006', 'mdb005'].map((id) => sample(id, 'normal', { source: 'mias' }));
  t.same(contralateralPartners(mias), [1, 0, null, 4, 3], 'consecutive pairs; mdb003 without mdb004 has none');
  const views = [
    sample('a', 'normal', { patientId: 'P1', laterality: 'L', view: 'CC' }),
    sample('b', 'normal', { patientId: 'P1', laterality: 'R', view: 'MLO' }),
    sample('c', 'normal', { patientId: 'P1', laterality: 'R', view: 'CC' }),
    sample('d', 'normal', { patientId: 'P1', laterality: 'L', view: 'MLO' }),
    sample('e', 'normal', { patientId: 'P2', laterality: 'L', view: 'CC' }),
    sample('f', 'normal', { patientId: 'P2', laterality: 'R', view: 'CC' }),
    sample('g', 'normal', { patientId: 'P2', laterality: 'R', view: 'CC' }),
    sample('h', 'normal', { patientId: 'P3', laterality: 'L' }),
    sample('i', 'normal', { patientId: 'P3', laterality: 'L' }),
    sample('j', 'normal', { patientId: 'P4' }),
    sample('k', 'normal', { patientId: 'P4' }),
    sample('l', 'normal', {}),
    sample('m', 'normal', {}),
  ];
  t.same(contralateralPartners(views), [2, 3, 0, 1, null, 4, 4, null, null, 10, 9, null, null],
    'same view, other side; two right CCs make the left one ambiguous; same side never; two images without laterality pair; no patient, no partner');
  t.end();
});

t.test('bilateral AUC: score minus the partner, by hand', (t) => {
  // Differences: 0.7, -0.7, -0.1, 0.1; unpaired image left out.
  const r = bilateralAuc([0.9, 0.2, 0.4, 0.5, 0.99], [0.2, 0.9, 0.5, 0.4, null], [true, false, false, false, false]);
  t.same(r, { auc: 1, images: 4 });
  // Exact binary fractions, so ties are ties: the positive's difference 1/8 against the
  // negatives' -1/8, -1/8, 1/8, 1/8, -1/8: three below, two tied (1/2 each).
  const tie = bilateralAuc([0.375, 0.25, 0.5, 0.625, 0.25, 0.125], [0.25, 0.375, 0.625, 0.5, 0.125, 0.25], [true, false, false, false, false, false]);
  t.same(tie, { auc: (3 + 2 * 0.5) / 5, images: 6 });
  t.same(bilateralAuc([0.5], [null], [true]), { auc: NaN, images: 0 }, 'no partner: NaN');
  t.end();
});

t.test('evaluate, records, bootstrap and the eval JSON carry the bilateral AUC', (t) => {
  const labels = ['malignant', 'normal', 'normal', 'normal', 'benign', 'normal', 'normal', 'malignant'];
  const pMal = [0.375, 0.125, 0.5, 0.625, 0.25, 0.3125, 0.4375, 0.5625];
  const samples = labels.map((l, i) => sample(`mdb${String(i + 1).padStart(3, '0')}`, l, { source: 'mias' }));
  const predictions: Prediction[] = pMal.map((p, i) => ({ probabilities: [0.875 - p, 0.125, p], label: labels[i], detections: [], mask: null }));
  const classes = ['normal', 'benign', 'malignant'];
  const m = evaluate(predictions, samples, { classes });
  // Differences 1/4, -1/4, -1/8, 1/8, -1/16, 1/16, -1/8, 1/8; the positives 1/4 and 1/8.
  // 1/4 beats all six negatives; 1/8 beats five and ties one (mdb004's): (6 + 5.5) / 12.
  t.equal(m.classification.aucBilateral, 11.5 / 12);
  t.equal(m.classification.bilateralImages, 8);
  const records = imageRecords(predictions, samples);
  t.same(records[0].partner, { id: 'mdb002', probabilities: predictions[1].probabilities });
  const fromRecords = metricsFromRecords(records, classes);
  t.equal(fromRecords.classification.aucBilateral, m.classification.aucBilateral, 'records give the same value');
  const ci = bootstrapIntervals(records, classes, { replicates: 200, seed: 1 });
  t.ok(ci.aucBilateral[0] <= m.classification.aucBilateral && m.classification.aucBilateral <= ci.aucBilateral[1], `interval ${ci.aucBilateral}`);
  const json = metricsJson({ ...m, intervals: ci }) as { classification: Record<string, unknown> };
  t.equal(json.classification.aucBilateral, m.classification.aucBilateral);
  t.equal(json.classification.bilateralImages, 8);
  t.same(json.classification.aucBilateralCI, ci.aucBilateral);
  // An image evaluated without its partner has none.
  t.notOk(imageRecords(predictions.slice(0, 3), samples.slice(0, 3))[2].partner, 'mdb003 without mdb004');
  t.end();
});
