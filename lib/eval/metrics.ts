// evaluate(): the metrics of DESIGN.md ("Metrics") for a list of predictions against samples.
//
// classification: the positive class is 'malignant' (or options.positiveClass). auc is the
//   malignant-vs-rest ROC AUC of the malignant probability (Mann-Whitney, ties = 1/2).
//   accuracy, sensitivity and specificity threshold by argmax of the probabilities (the first
//   class wins ties): an image is called positive when argmax is the positive class.
//   macroAuc averages one-vs-rest AUCs over the classes for which both sides are present.
//   aucBilateral ranks the images that have a contralateral partner (bilateral.ts) by their
//   malignant probability minus the partner's; bilateralImages counts them (0: NaN AUC).
// detection: FROC sensitivity at 0.5, 1, 2, 4 false positives per image (see frocCurve:
//   hit = predicted box centre inside a ground-truth box, one hit per lesion, duplicates are
//   neither TP nor FP) and VOC all-point AP at IoU >= 0.5. Ground truth = sample.boxes (masses).
// segmentation: mean Dice and IoU over the images whose ground-truth mask has a mass pixel;
//   a missing predicted mask counts as empty.
// A metric that is undefined on the data (e.g. AUC without malignant images, FROC without
// lesions) is NaN, which JSON.stringify writes as null.
import type { Box, Sample } from '../data/sample';
import { classificationMetrics, rocCurve, type ClassificationMetrics, type RocPoint } from './classification-metrics';
import { FROC_RATES, averagePrecision, frocCurve, frocSensitivityAt, type DetectionImage, type FrocPoint, type ScoredBox } from './detection-metrics';
import { maskOverlap } from './segmentation-metrics';
import { describe, fail } from '../errors';
import type { MetricIntervals } from './intervals';
import { bilateralAuc, contralateralPartners } from './bilateral';

export interface PredictionMask {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Prediction {
  classes?: string[];           // class order of probabilities (model.predict returns it)
  probabilities: number[];      // per class, in the dataset's class order
  label: string;
  detections: ScoredBox[];
  mask: PredictionMask | null;
}

// The bilateral comparison's AUC beside the per-image metrics (see bilateral.ts).
export interface BilateralMetrics {
  aucBilateral: number;
  bilateralImages: number;
}

export interface EvaluationMetrics {
  classification: ClassificationMetrics & BilateralMetrics;
  detection: { froc: { '0.5': number; '1': number; '2': number; '4': number }; ap50: number };
  segmentation: { dice: number; iou: number };
  images: number;
  intervals?: MetricIntervals;   // bootstrap intervals (lib/eval/bootstrap.ts), when computed
}

export interface EvaluateOptions {
  classes?: string[];        // default: predictions[0].classes, else by count (3: normal/benign/malignant, 2: benign/malignant)
  positiveClass?: string;    // default 'malignant' when present, else the last class
}

export { FROC_RATES };

function resolveClasses(predictions: Prediction[], options: EvaluateOptions): string[] {
  if (options.classes) return options.classes;
  if (predictions.length && predictions[0].classes) return predictions[0].classes;
  const k = predictions.length ? predictions[0].probabilities.length : 3;
  if (k === 3) return ['normal', 'benign', 'malignant'];
  if (k === 2) return ['benign', 'malignant'];
  return fail('type', 'options.classes (the class order of the probabilities)', 'evaluate', `${k} probabilities per image and no class list`);
}

function checkInputs(predictions: Prediction[], samples: Sample[], classes: string[]): void {
  if (!Array.isArray(predictions)) fail('type', 'an array', 'predictions', describe(predictions));
  if (!Array.isArray(samples)) fail('type', 'an array', 'samples', describe(samples));
  if (predictions.length !== samples.length) fail('range', `${samples.length} predictions (one per sample)`, 'predictions', `${predictions.length}`);
  predictions.forEach((p, i) => {
    if (!p || !Array.isArray(p.probabilities) || p.probabilities.length !== classes.length) {
      fail('range', `${classes.length} probabilities`, `predictions[${i}].probabilities`, describe(p?.probabilities));
    }
    if (!Array.isArray(p.detections)) fail('type', 'an array', `predictions[${i}].detections`, describe(p.detections));
    const s = samples[i];
    if (!classes.includes(s.label)) fail('type', `one of ${classes.map((c) => JSON.stringify(c)).join(', ')}`, `samples[${i}].label`, describe(s.label));
    if (p.mask && (p.mask.width !== s.image.width || p.mask.height !== s.image.height)) {
      fail('range', `a ${s.image.width}x${s.image.height} mask (the image's frame)`, `predictions[${i}].mask`, `${p.mask.width}x${p.mask.height}`);
    }
  });
}

function positiveIndex(classes: string[], options: EvaluateOptions): number {
  const name = options.positiveClass ?? (classes.includes('malignant') ? 'malignant' : classes[classes.length - 1]);
  const index = classes.indexOf(name);
  if (index < 0) fail('type', `one of ${classes.map((c) => JSON.stringify(c)).join(', ')}`, 'options.positiveClass', describe(name));
  return index;
}

function detectionImages(predictions: Prediction[], samples: Sample[]): DetectionImage[] {
  return samples.map((s, i) => ({ detections: predictions[i].detections, truth: s.boxes as Box[] }));
}

function hasMass(mask: Uint8Array | null): mask is Uint8Array {
  if (!mask) return false;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) return true;
  return false;
}

export function evaluate(predictions: Prediction[], samples: Sample[], options: EvaluateOptions = {}): EvaluationMetrics {
  const classes = resolveClasses(predictions, options);
  checkInputs(predictions, samples, classes);
  const positive = positiveIndex(classes, options);
  const truth = samples.map((s) => classes.indexOf(s.label));
  const partners = contralateralPartners(samples);
  const bilateral = bilateralAuc(predictions.map((p) => p.probabilities[positive]), partners.map((j) => (j === null ? null : predictions[j].probabilities[positive])), truth.map((k) => k === positive));
  const classification = {
    ...classificationMetrics(predictions.map((p) => p.probabilities), truth, positive, classes.length),
    aucBilateral: bilateral.auc, bilateralImages: bilateral.images,
  };

  const detImages = detectionImages(predictions, samples);
  const { points, lesions } = frocCurve(detImages);
  const froc = {
    '0.5': frocSensitivityAt(points, lesions, 0.5),
    '1': frocSensitivityAt(points, lesions, 1),
    '2': frocSensitivityAt(points, lesions, 2),
    '4': frocSensitivityAt(points, lesions, 4),
  };

  let dice = 0, iou = 0, withMass = 0;
  samples.forEach((s, i) => {
    if (!hasMass(s.mask)) return;
    const m = predictions[i].mask;
    const o = maskOverlap(m ? m.data : new Uint8Array(s.mask.length), s.mask);
    dice += o.dice;
    iou += o.iou;
    withMass++;
  });
  return {
    classification,
    detection: { froc, ap50: averagePrecision(detImages, 0.5) },
    segmentation: withMass ? { dice: dice / withMass, iou: iou / withMass } : { dice: NaN, iou: NaN },
    images: samples.length,
  };
}

export interface EvaluationCurves {
  roc: RocPoint[];        // positive class vs rest
  froc: FrocPoint[];
  lesions: number;
}

// The curves behind the numbers, for plots (see lib/report/plots.ts).
export function evaluationCurves(predictions: Prediction[], samples: Sample[], options: EvaluateOptions = {}): EvaluationCurves {
  const classes = resolveClasses(predictions, options);
  checkInputs(predictions, samples, classes);
  const positive = positiveIndex(classes, options);
  const roc = rocCurve(predictions.map((p) => p.probabilities[positive]), samples.map((s) => s.label === classes[positive]));
  const { points, lesions } = frocCurve(detectionImages(predictions, samples));
  return { roc, froc: points, lesions };
}

export { rocAuc, rocCurve, argmax } from './classification-metrics';
export { frocCurve, frocSensitivityAt, averagePrecision, boxIou } from './detection-metrics';
export { maskOverlap } from './segmentation-metrics';
export type { ScoredBox, FrocPoint, DetectionImage } from './detection-metrics';
export type { RocPoint, ClassificationMetrics } from './classification-metrics';
