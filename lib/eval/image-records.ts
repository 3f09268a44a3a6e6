// Per-image evaluation records: everything the metrics need from one image, small enough to
// store (no masks) and to resample. metricsFromRecords(imageRecords(p, s)) equals evaluate(p, s),
// so bootstrap intervals, cross-validation pooling and paired tests all work on records.
import type { Box, Sample } from '../data/sample';
import { classificationMetrics } from './classification-metrics';
import { averagePrecision, frocCurve, frocSensitivityAt, type ScoredBox } from './detection-metrics';
import { maskOverlap } from './segmentation-metrics';
import type { EvaluationMetrics, Prediction } from './metrics';
import { bilateralAuc, contralateralPartners } from './bilateral';

export interface ImageRecord {
  id: string;
  label: string;                 // ground-truth class
  probabilities: number[];       // predicted, in the class order of the evaluation
  detections: ScoredBox[];
  truth: Box[];                  // mass boxes (detection ground truth)
  dice: number | null;           // null: the ground-truth mask has no mass pixel
  iou: number | null;
  // The contralateral image's prediction (bilateral.ts), when the image has a partner among
  // the images predicted with it; absent otherwise.
  partner?: { id: string; probabilities: number[] };
}

export function imageRecords(predictions: Prediction[], samples: Sample[]): ImageRecord[] {
  if (predictions.length !== samples.length) throw new RangeError(`Expected ${samples.length} predictions (one per sample) for predictions but received ${predictions.length}`);
  const partners = contralateralPartners(samples);
  return samples.map((s, i) => {
    const p = predictions[i];
    const j = partners[i];
    const mass = s.mask !== null && s.mask.some((v) => v !== 0);
    const o = mass ? maskOverlap(p.mask ? p.mask.data : new Uint8Array(s.mask!.length), s.mask!) : null;
    return {
      id: s.id, label: s.label, probabilities: [...p.probabilities],
      detections: p.detections.map((d) => ({ box: [...d.box] as Box, score: d.score })), truth: s.boxes.map((b) => [...b] as Box),
      dice: o ? o.dice : null, iou: o ? o.iou : null,
      ...(j === null ? {} : { partner: { id: samples[j].id, probabilities: [...predictions[j].probabilities] } }),
    };
  });
}

// The bilateral AUC of records (their partner's probabilities travel with them).
export function recordsBilateralAuc(records: readonly ImageRecord[], classes: readonly string[]): { auc: number; images: number } {
  const k = positiveClassIndex(classes);
  return bilateralAuc(records.map((r) => r.probabilities[k]), records.map((r) => (r.partner ? r.partner.probabilities[k] : null)), records.map((r) => r.label === classes[k]));
}

export function positiveClassIndex(classes: readonly string[]): number {
  const i = classes.indexOf('malignant');
  return i >= 0 ? i : classes.length - 1;
}

// The evaluate() metrics from records (the positive class: 'malignant', else the last class).
export function metricsFromRecords(records: readonly ImageRecord[], classes: readonly string[]): EvaluationMetrics {
  const positive = positiveClassIndex(classes);
  const truth = records.map((r) => {
    const k = classes.indexOf(r.label);
    if (k < 0) throw new RangeError(`Expected a label in [${classes.join(', ')}] for record ${r.id} but received ${JSON.stringify(r.label)}`);
    return k;
  });
  const bilateral = recordsBilateralAuc(records, classes);
  const classification = {
    ...classificationMetrics(records.map((r) => r.probabilities), truth, positive, classes.length),
    aucBilateral: bilateral.auc, bilateralImages: bilateral.images,
  };
  const images = records.map((r) => ({ detections: r.detections, truth: r.truth }));
  const { points, lesions } = frocCurve(images);
  const froc = {
    '0.5': frocSensitivityAt(points, lesions, 0.5), '1': frocSensitivityAt(points, lesions, 1),
    '2': frocSensitivityAt(points, lesions, 2), '4': frocSensitivityAt(points, lesions, 4),
  };
  let dice = 0, iou = 0, n = 0;
  for (const r of records) if (r.dice !== null) { dice += r.dice; iou += r.iou ?? 0; n++; }
  return {
    classification,
    detection: { froc, ap50: averagePrecision(images, 0.5) },
    segmentation: n ? { dice: dice / n, iou: iou / n } : { dice: NaN, iou: NaN },
    images: records.length,
  };
}
