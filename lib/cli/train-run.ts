// One training run as the CLI commands (train, cv, ablate, demo) use it: build the model,
// start it from --init or a phantom stage, then a patch stage, when asked, train with the
// Trainer, and come back with the best epoch's weights loaded.
import * as path from 'node:path';
import type { Sample } from '../data/sample';
import type { Tensor } from '../tensor';
import { FTMTLNet } from '../model/ftmtlnet';
import type { ClassifierPool, FTMTLNetConfig, PredictPreprocess, Preset, TestTimeAugmentation, Transfer } from '../model/config';
import type { MultiTaskLossOptions } from '../model/multitask-loss';
import type { AugmentOptions } from '../train/augment';
import { readCheckpoint } from '../train/checkpoint';
import { Trainer, type TrainerOptions, type TrainResult } from '../train/trainer';
import { describeInit, initFromCheckpoint, initFromStateDict, type InitReport } from '../train/init-weights';
import { PATCH_DEFAULTS, patchSamples } from '../data/patches';
import type { ProgressMode } from '../train/progress';
import { readResumeConfig } from './resume';
import { phantomWeights, type PhantomStage } from './phantom-stage';

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
  select?: 'score' | 'last';           // what best/ keeps (Trainer's select)
  augment?: AugmentOptions | false;
  sampling?: 'uniform' | 'balanced';
  preprocess?: PredictPreprocess;      // stored in the model config, so eval/predict apply it too
  classifierPool?: ClassifierPool;
  tta?: TestTimeAugmentation;          // stored in the model config: how its predictions run
  loss?: MultiTaskLossOptions;
  headStride?: 4 | 8;
  progress?: ProgressMode;
  timeBudget?: number;
  log?: (line: string) => void;
  init?: string;                       // checkpoint folder to start the weights from (not with resume)
  patchStage?: PatchStage;             // patch pre-training before the whole-image epochs (not with resume)
  phantomStage?: PhantomStage;         // phantom pre-training before everything else (not with resume or init)
}

// The patch stage: `epochs` epochs on lesion-centred and background patches of side `size`
// cut from the training images, then the whole-image model starts from those weights.
export interface PatchStage {
  epochs: number;
  size: number;
}

export interface TrainModelResult {
  model: FTMTLNet;
  result: TrainResult;
  init?: InitReport;
  patchResult?: TrainResult;
  phantomResult?: TrainResult;   // absent when the phantom stage did not run (or its weights were cached)
}

export async function trainModel(o: TrainRunOptions): Promise<TrainModelResult> {
  const saved = o.modelConfig ?? (o.resume ? (await readResumeConfig(o.resume)).config : undefined);
  if (saved && saved.classNames.join('/') !== o.classes.join('/')) {
    throw new Error(`cannot train the saved model on this data: its classes are ${saved.classNames.join('/')} but the data's are ${o.classes.join('/')}`);
  }
  const model = saved ? FTMTLNet.fromConfig(saved) : FTMTLNet.create({
    preset: o.preset, imageSize: o.size, numClasses: o.classes.length, classNames: o.classes, transfer: o.transfer, seed: o.seed,
    headStride: o.headStride, preprocess: o.preprocess ?? null, classifierPool: o.classifierPool,
    classPrior: o.sampling === 'balanced' ? classShares(o.train, o.classes) : null, tta: o.tta,
  });
  const log = o.log ?? ((line: string) => process.stderr.write(line + '\n'));
  let init: InitReport | undefined;
  let patchResult: TrainResult | undefined;
  let phantomResult: TrainResult | undefined;
  // A resumed run keeps its checkpoint's weights: no stages. Otherwise the first weights are
  // --init's, else the phantom stage's, else a fresh initialisation.
  const fresh = !o.resume;
  let start: StartWeights = null;
  if (fresh && o.init) start = { dir: o.init };
  else if (fresh && o.phantomStage && o.phantomStage.epochs > 0) {
    const run = await phantomWeights(model.config, o.phantomStage, { seed: o.seed, threads: o.threads, progress: o.progress, log });
    phantomResult = run.result ?? undefined;
    start = { weights: run.weights, source: run.source };
  }
  if (fresh && o.patchStage && o.patchStage.epochs > 0) {
    // The start weights go to the patch model; the whole-image model starts from the patch model.
    const stage = await runPatchStage(o, model.config, o.patchStage, start, log);
    patchResult = stage.result;
    init = initFromStateDict(model, stage.model.stateDict(), `the patch stage (${o.patchStage.size} px)`);
  } else if (start) {
    init = await initFrom(model, start);
  }
  if (init) log(describeInit(init));
  const trainer = new Trainer(model, o.train, o.val, {
    ...sharedTrainerOptions(o), epochs: o.epochs, outDir: o.out, resume: o.resume, earlyStopping: o.earlyStopping, timeBudget: o.timeBudget,
    select: o.select,
  });
  const result = await trainer.fit();
  if (o.out && result.best) {
    const ck = await readCheckpoint(path.join(o.out, 'best'));
    model.loadStateDict(ck.weights, { strict: true, source: ck.weightsFile });
  }
  model.eval();
  return { model, result, init, patchResult, phantomResult };
}

type StartWeights = { dir: string } | { weights: Record<string, Tensor>; source: string } | null;

function initFrom(model: FTMTLNet, start: NonNullable<StartWeights>): Promise<InitReport> | InitReport {
  return 'dir' in start ? initFromCheckpoint(model, start.dir) : initFromStateDict(model, start.weights, start.source);
}

// The Trainer options the patch stage and the whole-image epochs share.
function sharedTrainerOptions(o: TrainRunOptions): Omit<TrainerOptions, 'epochs'> {
  return {
    batchSize: o.batch, lr: o.lr, seed: o.seed, threads: o.threads, optimizer: o.optimizer, weightDecay: o.weightDecay,
    augment: o.augment, sampling: o.sampling, loss: o.loss, progress: o.progress, log: o.log,
  };
}

// The training images' class shares (with half an image added to every class, so a class
// missing from this split keeps a finite log prior).
export function classShares(samples: readonly Sample[], classes: readonly string[]): number[] {
  const counts = classes.map((c) => samples.filter((s) => s.label === c).length + 0.5);
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}

// Trains a copy of the model's architecture at the patch size on patches of the training
// images (starting from the start weights when given, said in the log) and returns it.
async function runPatchStage(o: TrainRunOptions, config: FTMTLNetConfig, stage: PatchStage, start: StartWeights, log: (line: string) => void): Promise<{ model: FTMTLNet; result: TrainResult }> {
  const backgroundLabel = o.classes.includes('normal') ? 'normal' : null;
  const set = patchSamples(o.train, { ...PATCH_DEFAULTS, size: stage.size, backgroundLabel, seed: o.seed });
  if (set.lesionPatches === 0) throw new Error('the patch stage needs located lesions, and none of the training images has one; run without the patch stage (--patch-epochs 0)');
  const counts = o.classes.map((c) => `${set.patches.filter((p) => p.label === c).length} ${c}`).join(', ');
  log(`patch stage: ${set.patches.length} patches of ${stage.size} px (${set.lesionPatches} around lesions, ${set.backgroundPatches} background; ${counts}), ${stage.epochs} epochs`);
  const model = FTMTLNet.create({ ...config, imageSize: stage.size });
  if (start) log(describeInit(await initFrom(model, start)));
  const trainer = new Trainer(model, set.patches, [], { ...sharedTrainerOptions(o), epochs: stage.epochs, outDir: null, earlyStopping: false });
  const result = await trainer.fit();
  return { model, result };
}
