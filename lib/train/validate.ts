// Runs a model over a list of samples in eval mode: raw outputs decoded into predictions in
// the model's S x S frame (samples are letterboxed to it), the validation loss, and the
// metrics of lib/eval/metrics.ts. Used by the trainer each epoch and by `eval`.
import { noGrad } from '../autograd';
import type { Sample } from '../data/sample';
import { evaluate, evaluationCurves, type EvaluationCurves, type EvaluationMetrics, type Prediction } from '../eval/metrics';
import { decodeOutputs } from '../model/decode';
import type { FTMTLNet } from '../model/ftmtlnet';
import type { LossParts, MultiTaskLoss } from '../model/multitask-loss';
import { encodeTargets } from '../model/targets';
import { predictOutputs } from '../model/test-time-flips';
import type { TestTimeAugmentation } from '../model/config';
import { DataLoader } from './loader';

export interface PredictOptions {
  batchSize?: number;      // default 8
  threshold?: number;      // minimum detection score kept (low, so FROC sees the curve); default 0.02
  topK?: number;           // detections per image, default 10
  loss?: MultiTaskLoss;    // also compute the loss
  prefetch?: number;       // default 0: validation images need no augmentation, so no worker
  tta?: TestTimeAugmentation;   // default: the model's config.tta (the loss is the unflipped pass's)
}

export interface DatasetPredictions {
  predictions: Prediction[];
  samples: Sample[];          // letterboxed to the model's frame, in the given order
  loss: number;               // mean total loss (NaN without options.loss)
  parts: Partial<LossParts>;  // mean loss parts
}

export async function predictSamples(model: FTMTLNet, samples: readonly Sample[], options: PredictOptions = {}): Promise<DatasetPredictions> {
  const { imageSize, headStride, classNames } = model.config;
  const loader = new DataLoader(samples, {
    batchSize: options.batchSize ?? 8, imageSize, shuffle: false, augment: false, prefetch: options.prefetch ?? 0,
  });
  const wasTraining = model.training;
  model.eval();
  const predictions: Prediction[] = [];
  const out: Sample[] = [];
  const sums: Record<string, number> = {};
  let weight = 0;
  try {
    for await (const batch of loader.batches(0)) {
      noGrad(() => {
        const raw = model.forward(batch.images);
        if (options.loss) {
          const targets = encodeTargets(batch.samples, { classNames, imageSize, headStride });
          const { parts } = options.loss.compute(raw, targets);
          for (const [k, v] of Object.entries(parts)) if (typeof v === 'number') sums[k] = (sums[k] ?? 0) + v * batch.samples.length;
          weight += batch.samples.length;
        }
        const outputs = predictOutputs(options.tta ?? model.config.tta, batch.images, (x) => model.forward(x), raw);
        const decoded = decodeOutputs(outputs, { stride: headStride, threshold: options.threshold ?? 0.02, topK: options.topK ?? 10, classPrior: model.config.classPrior });
        decoded.forEach((d) => {
          predictions.push({
            classes: [...classNames],
            probabilities: d.probabilities,
            label: classNames[d.classIndex],
            detections: d.detections,
            mask: d.mask,
          });
        });
      });
      out.push(...batch.samples);
    }
  } finally {
    await loader.close();
    model.train(wasTraining);
  }
  const parts: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) parts[k] = v / weight;
  return { predictions, samples: out, loss: weight ? parts.total : NaN, parts };
}

export interface ValidationResult extends DatasetPredictions {
  metrics: EvaluationMetrics;
}

export async function validate(model: FTMTLNet, samples: readonly Sample[], options: PredictOptions = {}): Promise<ValidationResult> {
  const p = await predictSamples(model, samples, options);
  return { ...p, metrics: evaluate(p.predictions, p.samples, { classes: model.config.classNames }) };
}

export function curves(result: DatasetPredictions, classes: string[]): EvaluationCurves {
  return evaluationCurves(result.predictions, result.samples, { classes });
}

// One number to pick the best epoch: the mean of AUC, Dice and FROC sensitivity at 1 FP per
// image, over those defined on the data (NaN when none is).
export function selectionScore(m: EvaluationMetrics): number {
  const parts = [m.classification.auc, m.segmentation.dice, m.detection.froc['1']].filter((v) => Number.isFinite(v));
  return parts.length ? parts.reduce((a, b) => a + b, 0) / parts.length : NaN;
}
