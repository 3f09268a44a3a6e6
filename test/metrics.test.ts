import t, { type Test } from 'tap';
import {
  evaluate, evaluationCurves, rocAuc, rocCurve, argmax, frocCurve, frocSensitivityAt, averagePrecision, boxIou, maskOverlap,
  type Prediction,
} from '../lib/eval/metrics';
import { classificationMetrics } from '../lib/eval/classification-metrics';
import type { Box, Sample } from '../lib/data/sample';
import { seededRandom } from './support/check';

const close = (t: Test, a: number, b: number, what: string): void => {
  t.ok(Math.abs(a - b) <= 1e-12, `${what}: ${a} vs ${b}`);
};

// Plain pairwise definition of the Mann-Whitney AUC (the independent reference).
function pairwiseAuc(scores: number[], pos: boolean[]): number {
  let s = 0, n = 0;
  for (let i = 0; i < scores.length; i++) {
    for (let j = 0; j < scores.length; j++) {
      if (!pos[i] || pos[j]) continue;
      s += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      n++;
    }
  }
  return s / n;
}

t.test('rocAuc: hand-computed cases, ties, one class', (t) => {
  close(t, rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), 0.75, 'sklearn example');
  close(t, rocAuc([0.3, 0.5, 0.5, 0.1], [true, true, false, false]), 0.625, 'tie across classes counts 1/2');
  close(t, rocAuc([0.5, 0.5, 0.5, 0.5], [true, false, true, false]), 0.5, 'all tied');
  close(t, rocAuc([0.9, 0.8, 0.2, 0.1], [true, true, false, false]), 1, 'perfect');
  close(t, rocAuc([0.1, 0.2, 0.8, 0.9], [true, true, false, false]), 0, 'inverted');
  t.ok(Number.isNaN(rocAuc([0.1, 0.2], [true, true])), 'all positive -> NaN');
  t.ok(Number.isNaN(rocAuc([0.1, 0.2], [false, false])), 'all negative -> NaN');
  t.ok(Number.isNaN(rocAuc([], [])), 'empty -> NaN');
  const rng = seededRandom(3);
  for (let trial = 0; trial < 5; trial++) {
    const scores = Array.from({ length: 60 }, () => Math.round(rng() * 8) / 8);   // many ties
    const pos = scores.map(() => rng() < 0.4);
    close(t, rocAuc(scores, pos), pairwiseAuc(scores, pos), `random ties trial ${trial}`);
  }
  t.end();
});

t.test('rocCurve: one point per distinct score, from (0,0) to (1,1)', (t) => {
  const pts = rocCurve([0.9, 0.5, 0.5, 0.1], [true, true, false, false]);
  t.same(pts.map((p) => [p.fpr, p.tpr]), [[0, 0], [0, 0.5], [0.5, 1], [1, 1]]);
  t.same(pts.map((p) => p.threshold), [Infinity, 0.9, 0.5, 0.1]);
  t.end();
});

t.test('classificationMetrics: argmax thresholding, sensitivity, specificity, macro AUC', (t) => {
  t.equal(argmax([0.4, 0.4, 0.2]), 0, 'first class wins ties');
  const probs = [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.3, 0.4, 0.3], [0.2, 0.3, 0.5], [0.4, 0.4, 0.2]];
  const truth = [0, 1, 2, 2, 1, 0];
  const m = classificationMetrics(probs, truth, 2, 3);
  close(t, m.accuracy, 4 / 6, 'accuracy');
  close(t, m.sensitivity, 1 / 2, 'sensitivity');
  close(t, m.specificity, 3 / 4, 'specificity');
  close(t, m.auc, 6.5 / 8, 'malignant AUC');
  close(t, m.macroAuc, (1 + 5.5 / 8 + 6.5 / 8) / 3, 'macro AUC');
  const none = classificationMetrics([[0.9, 0.1], [0.8, 0.2]], [0, 0], 1, 2);
  t.ok(Number.isNaN(none.auc) && Number.isNaN(none.sensitivity) && Number.isNaN(none.macroAuc), 'no positives: undefined metrics are NaN');
  t.equal(none.specificity, 1);
  t.end();
});

const froCase = [
  {
    truth: [[10, 10, 20, 20]] as Box[],
    detections: [
      { box: [12, 12, 18, 18] as Box, score: 0.9 },   // hit
      { box: [14, 14, 16, 16] as Box, score: 0.8 },   // same lesion again: neither TP nor FP
      { box: [40, 40, 50, 50] as Box, score: 0.7 },   // FP
    ],
  },
  {
    truth: [[0, 0, 10, 10], [30, 30, 40, 40]] as Box[],
    detections: [
      { box: [50, 50, 60, 60] as Box, score: 0.85 },  // FP
      { box: [31, 31, 39, 39] as Box, score: 0.6 },   // hit
      { box: [8, 8, 12, 12] as Box, score: 0.5 },     // centre (10,10) on the box edge: hit
    ],
  },
];

t.test('FROC: centre-in-box hits, one hit per lesion, duplicates ignored', (t) => {
  const { points, lesions } = frocCurve(froCase);
  t.equal(lesions, 3);
  t.same(points.map((p) => [p.fpPerImage, Math.round(p.sensitivity * 3)]), [[0, 0], [0, 1], [0.5, 1], [0.5, 1], [1, 1], [1, 2], [1, 3]]);
  close(t, frocSensitivityAt(points, lesions, 0.5), 1 / 3, 'at 0.5 FP/image');
  close(t, frocSensitivityAt(points, lesions, 1), 1, 'at 1 FP/image');
  close(t, frocSensitivityAt(points, lesions, 4), 1, 'at 4 FP/image');
  const noLesions = frocCurve([{ truth: [], detections: [{ box: [0, 0, 1, 1], score: 1 }] }]);
  t.ok(Number.isNaN(frocSensitivityAt(noLesions.points, noLesions.lesions, 1)), 'no lesions -> NaN');
  const noDetections = frocCurve([{ truth: [[0, 0, 4, 4]], detections: [] }]);
  t.equal(frocSensitivityAt(noDetections.points, noDetections.lesions, 1), 0, 'no detections -> 0');
  const tied = frocCurve([{ truth: [[0, 0, 4, 4]], detections: [{ box: [9, 9, 10, 10], score: 0.5 }, { box: [1, 1, 3, 3], score: 0.5 }] }]);
  t.same(tied.points.map((p) => [p.fpPerImage, p.sensitivity]), [[0, 0], [1, 1]], 'equal scores form one operating point');
  t.end();
});

t.test('AP50: VOC all-point interpolation, duplicates are FP, IoU 0.5 counts', (t) => {
  close(t, boxIou([0, 0, 10, 10], [0, 0, 10, 20]), 0.5, 'IoU');
  t.equal(boxIou([0, 0, 1, 1], [2, 2, 3, 3]), 0);
  const images = [
    { truth: [[0, 0, 10, 10]] as Box[], detections: [{ box: [0, 0, 10, 10] as Box, score: 0.9 }, { box: [0, 0, 10, 10] as Box, score: 0.8 }] },
    {
      truth: [[0, 0, 10, 10], [20, 20, 30, 30]] as Box[],
      detections: [
        { box: [50, 50, 60, 60] as Box, score: 0.7 },
        { box: [20, 20, 30, 31] as Box, score: 0.6 },
        { box: [0, 0, 10, 4] as Box, score: 0.5 },
      ],
    },
  ];
  close(t, averagePrecision(images), 0.5, 'hand-computed AP');
  close(t, averagePrecision([{ truth: [[0, 0, 10, 20]], detections: [{ box: [0, 0, 10, 10], score: 1 }] }]), 1, 'IoU exactly 0.5 is a match');
  close(t, averagePrecision([{ truth: [[0, 0, 10, 10]], detections: [] }]), 0, 'nothing detected -> 0');
  t.ok(Number.isNaN(averagePrecision([{ truth: [], detections: [{ box: [0, 0, 1, 1], score: 1 }] }])), 'no ground truth -> NaN');
  t.end();
});

t.test('maskOverlap: Dice and IoU', (t) => {
  const o = maskOverlap(new Uint8Array([1, 1, 0, 0]), new Uint8Array([1, 0, 1, 0]));
  close(t, o.dice, 0.5, 'dice');
  close(t, o.iou, 1 / 3, 'iou');
  t.same(maskOverlap(new Uint8Array([255, 0]), new Uint8Array([1, 0])), { dice: 1, iou: 1 }, 'non-zero is foreground');
  t.same(maskOverlap(new Uint8Array([0, 1]), new Uint8Array([1, 0])), { dice: 0, iou: 0 });
  t.throws(() => maskOverlap(new Uint8Array(3), new Uint8Array(4)), new RangeError('Expected a mask of 4 pixels for predicted but received 3'));
  t.end();
});

// Three 4x4 images: normal, benign (mass top-left 2x2), malignant (mass bottom-right 2x2).
function tinySamples(): Sample[] {
  const mk = (id: string, label: string, boxes: Box[], on: number[]): Sample => {
    const mask = new Uint8Array(16);
    for (const i of on) mask[i] = 1;
    return { id, image: { width: 4, height: 4, data: new Float32Array(16) }, mask, boxes, label, meta: {} };
  };
  return [mk('n', 'normal', [], []), mk('b', 'benign', [[0, 0, 2, 2]], [0, 1, 4, 5]), mk('m', 'malignant', [[2, 2, 4, 4]], [10, 11, 14, 15])];
}

function perfectPrediction(s: Sample, probabilities: number[]): Prediction {
  return {
    probabilities,
    label: '',
    detections: s.boxes.map((b) => ({ box: b, score: 0.9 })),
    mask: { width: 4, height: 4, data: Uint8Array.from(s.mask!) },
  };
}

t.test('evaluate: exact output shape, perfect and inverted predictions', (t) => {
  const samples = tinySamples();
  const perfect = [perfectPrediction(samples[0], [0.8, 0.1, 0.1]), perfectPrediction(samples[1], [0.1, 0.8, 0.1]), perfectPrediction(samples[2], [0.1, 0.1, 0.8])];
  const m = evaluate(perfect, samples);
  t.same(Object.keys(m), ['classification', 'detection', 'segmentation', 'images']);
  t.same(Object.keys(m.classification), ['auc', 'accuracy', 'sensitivity', 'specificity', 'macroAuc', 'aucBilateral', 'bilateralImages']);
  t.same(Object.keys(m.detection), ['froc', 'ap50']);
  // (JS lists integer-like keys first, so JSON shows "1","2","4","0.5": compare as a set.)
  t.same(Object.keys(m.detection.froc).sort(), ['0.5', '1', '2', '4']);
  t.same(m, {
    classification: { auc: 1, accuracy: 1, sensitivity: 1, specificity: 1, macroAuc: 1, aucBilateral: NaN, bilateralImages: 0 },
    detection: { froc: { '0.5': 1, '1': 1, '2': 1, '4': 1 }, ap50: 1 },
    segmentation: { dice: 1, iou: 1 },
    images: 3,
  }, 'phantoms have no patients: no bilateral pairs');
  const inverted: Prediction[] = samples.map((s, i) => ({
    probabilities: [[0.1, 0.1, 0.8], [0.1, 0.1, 0.8], [0.8, 0.1, 0.1]][i],
    label: '',
    detections: [{ box: [0, 0, 1, 1] as Box, score: 0.5 }].filter(() => i === 2),   // one FP on the malignant image
    mask: { width: 4, height: 4, data: Uint8Array.from(s.mask!, (v) => 1 - v) },
  }));
  const w = evaluate(inverted, samples);
  t.equal(w.classification.auc, 0);
  t.equal(w.classification.accuracy, 0);
  t.equal(w.classification.sensitivity, 0);
  t.equal(w.classification.specificity, 0);
  t.same(w.detection, { froc: { '0.5': 0, '1': 0, '2': 0, '4': 0 }, ap50: 0 });
  t.same(w.segmentation, { dice: 0, iou: 0 }, 'only images with a mass are averaged');
  const noMask = evaluate(perfect.map((p) => ({ ...p, mask: null })), samples);
  t.same(noMask.segmentation, { dice: 0, iou: 0 }, 'missing predicted mask counts as empty');
  t.end();
});

t.test('evaluate: no lesions and a single class give NaN (null in JSON)', (t) => {
  const samples = tinySamples().slice(0, 1);
  const m = evaluate([perfectPrediction(samples[0], [0.8, 0.1, 0.1])], samples);
  t.ok(Number.isNaN(m.classification.auc) && Number.isNaN(m.classification.macroAuc));
  t.equal(m.classification.accuracy, 1);
  t.ok(Number.isNaN(m.detection.froc['1']) && Number.isNaN(m.detection.ap50));
  t.ok(Number.isNaN(m.segmentation.dice));
  t.match(JSON.stringify(m), /"auc":null/);
  t.end();
});

t.test('evaluate: class order from options or predictions, curves, input checks', (t) => {
  const samples = tinySamples().slice(1);
  const preds = [perfectPrediction(samples[0], [0.7, 0.3]), perfectPrediction(samples[1], [0.2, 0.8])];
  t.equal(evaluate(preds, samples).classification.auc, 1, 'two probabilities default to benign, malignant');
  t.equal(evaluate(preds.map((p) => ({ ...p, classes: ['malignant', 'benign'] })), samples).classification.auc, 0, 'order from prediction.classes');
  const curves = evaluationCurves(preds, samples);
  t.same(curves.roc.map((p) => [p.fpr, p.tpr]), [[0, 0], [0, 1], [1, 1]]);
  t.equal(curves.lesions, 2);
  t.throws(() => evaluate(preds.slice(1), samples), new RangeError('Expected 2 predictions (one per sample) for predictions but received 1'));
  t.throws(() => evaluate([preds[0], { ...preds[1], probabilities: [1] }], samples), new RangeError('Expected 2 probabilities for predictions[1].probabilities but received an array of length 1'));
  t.throws(() => evaluate(preds, samples, { classes: ['normal', 'benign'] }), new TypeError('Expected one of "normal", "benign" for samples[1].label but received "malignant"'));
  t.throws(() => evaluate([{ ...preds[0], mask: { width: 2, height: 2, data: new Uint8Array(4) } }, preds[1]], samples), new RangeError("Expected a 4x4 mask (the image's frame) for predictions[0].mask but received 2x2"));
  t.end();
});
