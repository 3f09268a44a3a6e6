import t, { type Test } from 'tap';
import { delongAuc, delongPaired, normalUpperTail } from '../lib/eval/delong';
import { bootstrapDraws, bootstrapIntervals, headlineMetrics, pairedBootstrap, percentileInterval } from '../lib/eval/bootstrap';
import { imageRecords, metricsFromRecords, type ImageRecord } from '../lib/eval/image-records';
import { evaluate, type Prediction } from '../lib/eval/metrics';
import type { Box, Sample } from '../lib/data/sample';

const near = (t: Test, a: number, b: number, tol: number, what: string): void => {
  t.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
};

// Reference values: test/fixtures/delong_reference.py (numpy, Sun & Xu's fast midrank DeLong).
t.test('DeLong: the hand-worked example', (t) => {
  // positives 0.9 0.8 0.4, negatives 0.7 0.4 0.2. psi rows (positives): [1 1 1], [1 1 1], [0 .5 1]
  // V10 = 1, 1, .5 (AUC 5/6); V01 = 2/3, 5/6, 1; S10 = 1/12, S01 = 1/36;
  // Var = S10/3 + S01/3 = 1/27 = 0.0370370...
  const r = delongAuc([0.9, 0.8, 0.4, 0.7, 0.4, 0.2], [true, true, true, false, false, false]);
  near(t, r.auc, 5 / 6, 1e-12, 'AUC');
  near(t, r.variance, 1 / 27, 1e-12, 'variance');
  t.end();
});

t.test('DeLong paired: small example and a tied random one match numpy', (t) => {
  const lab = [true, true, true, false, false, false];
  const s = delongPaired([0.9, 0.8, 0.4, 0.7, 0.4, 0.2], [0.6, 0.3, 0.5, 0.7, 0.1, 0.2], lab);
  near(t, s.aucA, 0.83333333, 1e-8, 'aucA');
  near(t, s.aucB, 0.66666667, 1e-8, 'aucB');
  near(t, s.se ** 2, 0.09259259259259259, 1e-12, 'variance of the difference');
  near(t, s.z, 0.5477225575051663, 1e-10, 'z');
  near(t, s.p, 0.583882420770365, 1e-6, 'p');
  const labels = [0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0].map(Boolean);
  const a = [-0.7, 0.2, -0.5, 0.9, -0.4, -0.6, 0.6, 0.9, 1.1, -1.3, 0.0, 1.4, -1.2, -0.5, -0.1, 1.3, 0.7, -0.3, -0.4, -0.3, 2.3, 0.4, -0.3, 1.2, 0.7, -0.2, -1.1, -0.0, -0.4, 1.2, 0.7, 0.8, 1.5, 0.5, 1.1, 0.8, 0.6, -0.5, 0.3, -0.9, -1.2, -0.3, -0.9, 0.2, 2.2, -0.8, 0.2, 0.2, 0.5, -0.2, -0.2, 0.7, 1.3, -1.0, 0.7, 0.8, -1.1, 0.3, -0.9, 1.0];
  const b = [-0.1, 0.2, -0.8, 0.6, -1.9, -1.4, 1.0, -1.7, 1.4, -2.4, 1.1, 0.2, 0.5, -0.1, -1.6, 1.9, 1.8, -0.2, -0.5, -0.3, 0.5, 1.6, -0.7, 0.8, -0.2, -0.7, -1.8, 1.3, -0.4, 1.5, 0.3, -0.0, 0.7, -0.0, 0.5, 0.3, -0.0, -1.3, -0.6, 1.5, -1.0, -1.2, -0.1, 1.5, -0.3, -0.6, -0.2, -1.7, 1.0, -0.1, -0.0, -0.4, 1.4, -1.1, 0.5, -0.4, -1.7, 1.5, -0.9, 0.8];
  const r = delongPaired(a, b, labels);
  near(t, r.aucA, 0.65384615, 1e-8, 'aucA');
  near(t, r.aucB, 0.64896215, 1e-8, 'aucB');
  near(t, r.se ** 2, 0.00654857926884146, 1e-12, 'variance');
  near(t, r.z, 0.060353511741741236, 1e-9, 'z');
  near(t, r.p, 0.9518740833769579, 1e-6, 'p');
  const same = delongPaired(a, a, labels);
  t.equal(same.p, 1, 'identical scores: p = 1');
  t.throws(() => delongPaired([1, 2], [1, 2], [true, false]), /at least 2 positives and 2 negatives/);
  t.end();
});

t.test('normal tail', (t) => {
  near(t, normalUpperTail(1.959963984540054), 0.025, 1e-7, 'z 1.96');
  near(t, normalUpperTail(0), 0.5, 1e-7, 'z 0');
  near(t, normalUpperTail(-1), 0.8413447460685429, 1e-7, 'z -1');
  near(t, normalUpperTail(4), 3.167124183311998e-05, 1e-9, 'z 4');
  t.end();
});

t.test('percentile interval matches numpy.percentile (linear)', (t) => {
  const [lo, hi] = percentileInterval([0.3, 0.1, 0.7, 0.2, 0.9, 0.5, 0.4, NaN], 0.95);
  near(t, lo, 0.115, 1e-12, 'low');
  near(t, hi, 0.87, 1e-12, 'high');
  t.same(percentileInterval([NaN]), [NaN, NaN]);
  t.end();
});

// A small synthetic evaluation: 40 images, 3 classes, masses on some.
function fixture(seedShift = 0): { predictions: Prediction[]; samples: Sample[] } {
  const classes = ['normal', 'benign', 'malignant'];
  const predictions: Prediction[] = [];
  const samples: Sample[] = [];
  for (let i = 0; i < 40; i++) {
    const label = classes[i % 3];
    const S = 16;
    const mass = i % 4 === 0;
    const mask = new Uint8Array(S * S);
    const boxes: Box[] = [];
    if (mass) { for (let y = 4; y < 8; y++) for (let x = 4; x < 8; x++) mask[y * S + x] = 1; boxes.push([4, 4, 8, 8]); }
    samples.push({ id: `im${i}`, image: { width: S, height: S, data: new Float32Array(S * S) }, mask, boxes, label, meta: {} });
    const pm = (i + seedShift) % 3 ? 0.2 + 0.02 * i : 0.9 - 0.01 * i;
    const p = label === 'malignant' ? [0.2, 0.2, 0.3 + pm / 2] : [0.5, 0.3, pm * 0.7];
    const predMask = new Uint8Array(S * S);
    if (mass && i % 8 === 0) for (let y = 5; y < 9; y++) for (let x = 5; x < 9; x++) predMask[y * S + x] = 1;
    predictions.push({
      probabilities: p, label: classes[p.indexOf(Math.max(...p))],
      detections: [{ box: mass && i % 8 === 0 ? [4, 4, 8, 8] : [10, 10, 14, 14], score: 0.3 + ((i * 7) % 10) / 20 }],
      mask: { width: S, height: S, data: predMask },
    });
  }
  return { predictions, samples };
}

t.test('records give exactly the evaluate() metrics', (t) => {
  const { predictions, samples } = fixture();
  const classes = ['normal', 'benign', 'malignant'];
  const a = evaluate(predictions, samples, { classes });
  const b = metricsFromRecords(imageRecords(predictions, samples), classes);
  t.same(b, a);
  const h = headlineMetrics(imageRecords(predictions, samples), classes);
  t.equal(h.auc, a.classification.auc);
  t.equal(h.accuracy, a.classification.accuracy);
  t.same(h.froc, a.detection.froc);
  t.equal(h.dice, a.segmentation.dice);
  t.equal(h.ap50, a.detection.ap50);
  t.end();
});

t.test('bootstrap: seeded, covers the estimate, sensible width', (t) => {
  const { predictions, samples } = fixture();
  const classes = ['normal', 'benign', 'malignant'];
  const records = imageRecords(predictions, samples);
  const ci = bootstrapIntervals(records, classes, { replicates: 2000, seed: 3 });
  const again = bootstrapIntervals(records, classes, { replicates: 2000, seed: 3 });
  t.same(again, ci, 'same seed, same intervals');
  t.notSame(bootstrapIntervals(records, classes, { replicates: 2000, seed: 4 }).auc, ci.auc, 'another seed differs');
  const m = headlineMetrics(records, classes);
  for (const [name, est, [lo, hi]] of [['auc', m.auc, ci.auc], ['dice', m.dice, ci.dice], ['froc1', m.froc['1'], ci.froc['1']], ['ap50', m.ap50, ci.ap50]] as const) {
    t.ok(lo <= est && est <= hi, `${name}: ${lo} <= ${est} <= ${hi}`);
  }
  // The bootstrap AUC interval agrees with DeLong's normal interval to within a few hundredths.
  const d = delongAuc(records.map((r) => r.probabilities[2]), records.map((r) => r.label === 'malignant'));
  const half = 1.959964 * Math.sqrt(d.variance);
  near(t, ci.auc[1] - ci.auc[0], 2 * half, 0.05, 'AUC interval width vs DeLong');
  t.equal(ci.replicates, 2000);
  const draws = bootstrapDraws(5, { replicates: 3, seed: 1 });
  t.equal(draws.length, 3);
  t.ok(draws.every((d) => d.length === 5 && d.every((i) => i >= 0 && i < 5)));
  t.throws(() => bootstrapIntervals(records, classes, { replicates: 0 }), /positive integer for replicates/);
  t.end();
});

t.test('bootstrap: perfect predictions give degenerate intervals', (t) => {
  const records: ImageRecord[] = Array.from({ length: 20 }, (_, i) => ({
    id: `r${i}`, label: i % 2 ? 'malignant' : 'benign', probabilities: i % 2 ? [0.1, 0.9] : [0.9, 0.1],
    detections: [{ box: [0, 0, 4, 4], score: 0.9 }], truth: [[0, 0, 4, 4]], dice: 1, iou: 1,
  }));
  const ci = bootstrapIntervals(records, ['benign', 'malignant'], { replicates: 200 });
  t.same(ci.auc, [1, 1]);
  t.same(ci.dice, [1, 1]);
  t.same(ci.froc['1'], [1, 1]);
  t.end();
});

t.test('paired bootstrap: a model against itself is exactly 0; shifted model is not', (t) => {
  const classes = ['normal', 'benign', 'malignant'];
  const a = imageRecords(fixture().predictions, fixture().samples);
  const self = pairedBootstrap(a, a, classes, { replicates: 300 });
  t.same(self.intervals.auc, [0, 0]);
  t.same(self.intervals.dice, [0, 0]);
  const other = fixture(1);
  const b = imageRecords(other.predictions, other.samples);
  const diff = pairedBootstrap(a, b, classes, { replicates: 300 });
  near(t, diff.difference.auc, headlineMetrics(a, classes).auc - headlineMetrics(b, classes).auc, 1e-12, 'difference on all images');
  t.ok(diff.intervals.auc[0] <= diff.difference.auc && diff.difference.auc <= diff.intervals.auc[1]);
  t.throws(() => pairedBootstrap(a, b.slice(1), classes), /same images in the same order/);
  t.end();
});
