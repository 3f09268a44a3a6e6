// Phantom pre-training, the first stage of the mammogram recipe: the same architecture trained
// on synthetic phantoms (lib/data/phantom.ts) with the phantom recipe's losses, whose weights
// then start the patch stage (or the whole-image model). Measured on mini-MIAS as `--init` of a
// phantom model (docs/model-card.md). The weights depend only on the settings below, so a
// process that trains several folds or seeds with the same settings trains the phantoms once.
import { generatePhantoms, PHANTOM_CLASSES } from '../data/phantom';
import { FTMTLNet } from '../model/ftmtlnet';
import type { FTMTLNetConfig } from '../model/config';
import type { Tensor } from '../tensor';
import { Trainer, type TrainResult } from '../train/trainer';
import type { ProgressMode } from '../train/progress';
import { RECIPES, recipeLoss } from './recipe';

export interface PhantomStage {
  epochs: number;     // 0: no phantom stage
  count: number;      // phantoms generated (all of them train; no validation, no selection)
  size: number;       // phantom side in pixels
}

export interface PhantomStageRun {
  weights: Record<string, Tensor>;
  source: string;               // how the log names these weights
  result: TrainResult | null;   // null when they came from this process's cache
}

const cache = new Map<string, Record<string, Tensor>>();

export async function phantomWeights(
  config: FTMTLNetConfig, stage: PhantomStage,
  o: { seed: number; threads?: number; progress?: ProgressMode; log: (line: string) => void },
): Promise<PhantomStageRun> {
  if (!(Number.isInteger(stage.epochs) && stage.epochs > 0)) throw new RangeError(`Expected an integer >= 1 for the phantom epochs but received ${stage.epochs}`);
  if (!(Number.isInteger(stage.count) && stage.count >= 8)) throw new RangeError(`Expected an integer >= 8 for the phantom count but received ${stage.count}`);
  const p = RECIPES.phantom;
  const key = JSON.stringify({ arch: config.arch, preset: config.preset, transfer: config.transfer, headStride: config.headStride, pool: config.classifierPool, stage, seed: o.seed });
  const source = `the phantom stage (${stage.count} phantoms of ${stage.size} px, ${stage.epochs} epochs)`;
  const hit = cache.get(key);
  if (hit) return { weights: hit, source, result: null };
  o.log(`phantom stage: ${stage.count} phantoms of ${stage.size} px, ${stage.epochs} epochs (phantom recipe losses)`);
  const phantoms = generatePhantoms({ count: stage.count, size: stage.size, seed: o.seed + 1 });
  const model = FTMTLNet.create({
    ...config, imageSize: stage.size, numClasses: PHANTOM_CLASSES.length, classNames: [...PHANTOM_CLASSES], preprocess: null, classPrior: null,
  });
  const trainer = new Trainer(model, phantoms, [], {
    epochs: stage.epochs, batchSize: p.batch, lr: p.lr, seed: o.seed, threads: o.threads, augment: p.augment ? {} : false,
    sampling: p.sampling, loss: recipeLoss(p),
    outDir: null, earlyStopping: false, progress: o.progress, log: o.log,
  });
  const result = await trainer.fit();
  const weights = model.stateDict();
  cache.set(key, weights);
  return { weights, source, result };
}
