// k-fold patient-level cross-validation as `cv` and `ablate` run it: for each fold, train on the
// other folds for the recipe's fixed number of epochs (no validation set, so nothing is
// selected on the held-out fold), predict the held-out fold, and keep per-image records.
// Each fold's records go to <out>/fold-<k>/records.json with the settings that made them; a
// rerun with the same settings reads finished folds back instead of training them again.
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { Sample } from '../data/sample';
import { patientFolds } from '../data/patient-folds';
import type { Transfer } from '../model/config';
import { imageRecords, metricsFromRecords, type ImageRecord } from '../eval/image-records';
import { bootstrapIntervals } from '../eval/bootstrap';
import type { EvaluationMetrics } from '../eval/metrics';
import { predictSamples } from '../train/validate';
import { preprocessFor, recipeTraining, type Recipe, type RecipeName } from './recipe';
import { trainModel } from './train-run';
import { saveModel } from '../train/model-checkpoint';

export interface CrossValidationOptions {
  samples: Sample[];
  classes: string[];
  folds: number;
  foldSeed: number;           // seed of the patient-to-fold assignment
  only?: number[];            // run just these folds (0-based)
  recipeName: RecipeName;
  recipe: Recipe;
  transfer: Transfer;
  seed: number;               // weights, sampling and augmentation
  init?: string;              // checkpoint folder the weights start from
  threads?: number;
  out: string;
  log: (line: string) => void;
}

export interface FoldResult {
  fold: number;
  records: ImageRecord[];
  trainImages: number;
  seconds: number;
  reused: boolean;
}

// What decides a fold's records. `select` is left out: it only picks train's best/ and cv always
// evaluates the last epoch, so folds written before it existed are still read back.
function settingsOf(o: CrossValidationOptions, fold: number, testIds: string[]): object {
  const { select: _select, ...recipe } = o.recipe;
  return { recipe, transfer: o.transfer, seed: o.seed, folds: o.folds, foldSeed: o.foldSeed, fold, testIds, ...(o.init ? { init: o.init } : {}) };
}

export async function runCrossValidation(o: CrossValidationOptions): Promise<FoldResult[]> {
  const fold = patientFolds(o.samples, o.folds, o.foldSeed);
  const wanted = o.only ?? Array.from({ length: o.folds }, (_, k) => k);
  const results: FoldResult[] = [];
  for (const k of wanted) {
    if (!(k >= 0 && k < o.folds)) throw new RangeError(`Expected fold numbers in [0, ${o.folds - 1}] for --fold but received ${k}`);
    const test = o.samples.filter((_, i) => fold[i] === k);
    const train = o.samples.filter((_, i) => fold[i] !== k);
    const dir = path.join(o.out, `fold-${k}`);
    const file = path.join(dir, 'records.json');
    const settings = settingsOf(o, k, test.map((s) => s.id));
    const previous = await fsp.readFile(file, 'utf8').then((t) => JSON.parse(t) as { settings: object; records: ImageRecord[]; seconds: number; trainImages: number }, () => null);
    if (previous && JSON.stringify(previous.settings) === JSON.stringify(settings)) {
      o.log(`fold ${k + 1}/${o.folds}: read back from ${file}`);
      results.push({ fold: k, records: previous.records, trainImages: previous.trainImages, seconds: previous.seconds, reused: true });
      continue;
    }
    o.log(`fold ${k + 1}/${o.folds}: training on ${train.length} images, testing on ${test.length} (transfer ${o.transfer}, seed ${o.seed})`);
    const r = o.recipe;
    const { model, result, patchResult, phantomResult } = await trainModel({
      ...recipeTraining(r), train, val: [], classes: o.classes, preset: r.preset, size: r.size, preprocess: preprocessFor(r.preprocess),
      transfer: o.transfer, seed: o.seed, threads: o.threads, out: null, progress: 'lines', log: o.log, init: o.init,
    });
    const predicted = await predictSamples(model, test, { batchSize: r.batch });
    const records = imageRecords(predicted.predictions, predicted.samples);
    await saveModel(model, path.join(dir, 'model'), { recipe: o.recipeName, fold: String(k) });
    // The patch and phantom stages included (phantoms trained once per process: the first fold).
    const seconds = result.seconds + (patchResult?.seconds ?? 0) + (phantomResult?.seconds ?? 0);
    const entry = { settings, fold: k, trainImages: train.length, seconds, records };
    await fsp.mkdir(dir, { recursive: true });
    await fsp.writeFile(file, JSON.stringify(entry) + '\n');
    results.push({ fold: k, records, trainImages: train.length, seconds, reused: false });
  }
  return results;
}

export interface CrossValidationSummary {
  folds: { fold: number; metrics: EvaluationMetrics; seconds: number }[];
  pooled: EvaluationMetrics;        // over every held-out prediction
  majorityAccuracy: number;         // accuracy of always answering the most frequent class
}

export function summariseFolds(results: FoldResult[], classes: string[], bootstrap: { replicates: number; seed: number }): CrossValidationSummary {
  const withCi = (records: ImageRecord[]): EvaluationMetrics => ({ ...metricsFromRecords(records, classes), intervals: bootstrapIntervals(records, classes, bootstrap) });
  const all = results.flatMap((r) => r.records);
  const counts = new Map<string, number>();
  for (const r of all) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
  return {
    folds: results.map((r) => ({ fold: r.fold, metrics: withCi(r.records), seconds: r.seconds })),
    pooled: withCi(all),
    majorityAccuracy: all.length ? Math.max(...counts.values()) / all.length : NaN,
  };
}
