// One training run as the CLI commands (train, ablate, demo) use it: build the model, train
// with the Trainer, and come back with the best epoch's weights loaded.
import * as path from 'node:path';
import type { Sample } from '../data/sample';
import { FTMTLNet } from '../model/ftmtlnet';
import type { ClassifierPool, FTMTLNetConfig, PredictPreprocess, Preset, Transfer } from '../model/config';
import type { MultiTaskLossOptions } from '../model/multitask-loss';
import type { AugmentOptions } from '../train/augment';
import { readCheckpoint } from '../train/checkpoint';
import { Trainer, type TrainResult } from '../train/trainer';
import type { ProgressMode } from '../train/progress';
import { readResumeConfig } from './resume';

export interface TrainRunOptions {
  train: Sample[];
  val: Sample[];
  classes: string[];
  preset: Preset;
  size: number;
  transfer: Transfer;
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  threads?: number;
  out: string | null;
  resume?: string;
  // The model config to build (a resumed run's saved config); default: from preset, size,
  // transfer, seed and headStride, or with `resume` the checkpoint's config.json.
  modelConfig?: FTMTLNetConfig;
  optimizer?: 'adamw' | 'sgd';
  weightDecay?: number;
  earlyStopping?: number | false;
  augment?: AugmentOptions | false;
  sampling?: 'uniform' | 'balanced';
  preprocess?: PredictPreprocess;      // stored in the model config, so eval/predict apply it too
  classifierPool?: ClassifierPool;
  loss?: MultiTaskLossOptions;
  headStride?: 4 | 8;
  progress?: ProgressMode;
  timeBudget?: number;
  log?: (line: string) => void;
}

export async function trainModel(o: TrainRunOptions): Promise<{ model: FTMTLNet; result: TrainResult }> {
  const saved = o.modelConfig ?? (o.resume ? (await readResumeConfig(o.resume)).config : undefined);
  if (saved && saved.classNames.join('/') !== o.classes.join('/')) {
    throw new Error(`cannot train the saved model on this data: its classes are ${saved.classNames.join('/')} but the data's are ${o.classes.join('/')}`);
  }
  const model = saved ? FTMTLNet.fromConfig(saved) : FTMTLNet.create({
    preset: o.preset, imageSize: o.size, numClasses: o.classes.length, classNames: o.classes, transfer: o.transfer, seed: o.seed,
    headStride: o.headStride, preprocess: o.preprocess ?? null, classifierPool: o.classifierPool,
  });
  const trainer = new Trainer(model, o.train, o.val, {
    epochs: o.epochs, batchSize: o.batch, lr: o.lr, seed: o.seed, threads: o.threads, outDir: o.out, resume: o.resume,
    optimizer: o.optimizer, weightDecay: o.weightDecay, earlyStopping: o.earlyStopping, augment: o.augment, sampling: o.sampling, loss: o.loss,
    progress: o.progress, log: o.log, timeBudget: o.timeBudget,
  });
  const result = await trainer.fit();
  if (o.out && result.best) {
    const ck = await readCheckpoint(path.join(o.out, 'best'));
    model.loadStateDict(ck.weights, { strict: true, source: ck.weightsFile });
  }
  model.eval();
  return { model, result };
}
