// The trainer: epochs over a seeded data loader, the multi-task loss, an optimizer with
// warm-up + cosine schedule and global-norm clipping, a NaN guard that undoes bad steps,
// validation with the eval metrics each epoch, best and last checkpoints, resume, early
// stopping, and a per-epoch history. Same seed and threads -> same loss curve.
import * as path from 'node:path';
import type { Sample } from '../data/sample';
import type { EvaluationMetrics } from '../eval/metrics';
import { setNumThreads } from '../capabilities';
import type { FTMTLNet } from '../model/ftmtlnet';
import type { FTMTLNetConfig } from '../model/config';
import type { Tensor } from '../tensor';
import { MultiTaskLoss, type LossParts, type MultiTaskLossOptions } from '../model/multitask-loss';
import { encodeTargets } from '../model/targets';
import { releaseGraph } from '../autograd';
import { Dropout } from '../nn/layers';
import { seededRng } from '../nn/init';
import { expectInt, expectNumber, expectOneOf, expectOptions } from '../errors';
import type { AugmentOptions } from './augment';
import { clipGradNorm } from './clip';
import { StepGuard } from './guard';
import { DataLoader } from './loader';
import { EarlyStopping, type BestSelection } from './early-stopping';
import { AdamW, SGD, decayGroups, type Optimizer } from './optimizers';
import { createProgress, type ProgressMode, type ProgressReporter } from './progress';
import { Rng } from './rng';
import { warmupCosine } from './schedule';
import { readCheckpoint } from './checkpoint';
import { findResumeCheckpoint, loadTrainState, saveTrainState } from './train-state';
import { writeCheckpointFolder } from './checkpoint-folder';
import { writeFileAtomic } from './safetensors';
import { saveModel } from './model-checkpoint';
import { selectionScore, validate } from './validate';

export interface TrainerOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer?: 'adamw' | 'sgd';        // default adamw
  weightDecay?: number;               // default 1e-4 (conv/linear weights only)
  momentum?: number;                  // SGD, default 0.9
  warmupSteps?: number;               // default: half an epoch, at most 100
  minLrFactor?: number;               // cosine floor as a fraction of lr, default 0.02
  clipNorm?: number;                  // global gradient-norm limit, default 10 (Infinity: off)
  seed?: number;                      // default 0
  threads?: number;                   // kernel threads (default: leave as is)
  augment?: AugmentOptions | false;   // default {} (the default augmentation)
  sampling?: 'uniform' | 'balanced';  // default uniform (see LoaderOptions.sampling)
  loss?: MultiTaskLossOptions;
  outDir?: string | null;             // best/ and last/ checkpoints, history.json; null: none
  resume?: string;                    // a checkpoint (or run) folder written by a previous run
  earlyStopping?: number | false;     // patience in epochs (default false; needs select 'score')
  select?: BestSelection;             // what best/ keeps: the best validation score (default) or the last epoch
  untilEpoch?: number;                // stop after this epoch (the run stays resumable; default: epochs)
  timeBudget?: number;                // seconds: no new epoch starts that would likely end past it
  validation?: { threshold?: number; topK?: number; batchSize?: number };
  progress?: ProgressMode;            // default 'auto'
  log?: (line: string) => void;       // where progress lines go (default stderr)
  prefetch?: number;                  // loader prefetch depth (default 2; 0 = no worker)
  // The seam for data-parallel training: called once per step between backward and the
  // optimizer step (before clipping) with the parameters whose .grad the step will use; a
  // multi-GPU driver all-reduces (averages) the gradients here. Default: nothing.
  reduceGradients?: (params: readonly Tensor[]) => void | Promise<void>;
  shard?: { rank: number; worldSize: number };   // the loader's shard of each epoch (see DataLoader)
}

export interface EpochRecord {
  epoch: number;                      // 1-based
  lr: number;                         // at the end of the epoch
  train: Partial<LossParts>;          // mean loss parts over the epoch's good steps
  val: Partial<LossParts> | null;
  metrics: EvaluationMetrics | null;
  score: number;                      // selectionScore(metrics), NaN without validation
  seconds: number;
  recoveries: number;                 // NaN/Inf steps undone in this epoch
}

export interface TrainResult {
  history: EpochRecord[];
  best: { epoch: number; score: number } | null;
  epochsRun: number;
  stoppedEarly: boolean;
  recoveries: number;
  seconds: number;
}

function resolve(o: TrainerOptions) {
  const opt = expectOptions<TrainerOptions>(o, 'options');
  return {
    epochs: expectInt(opt.epochs, 'options.epochs', 1),
    batchSize: expectInt(opt.batchSize, 'options.batchSize', 1),
    lr: expectNumber(opt.lr, 'options.lr', 0),
    optimizer: expectOneOf(opt.optimizer ?? 'adamw', ['adamw', 'sgd'] as const, 'options.optimizer'),
    weightDecay: expectNumber(opt.weightDecay ?? 1e-4, 'options.weightDecay', 0),
    momentum: expectNumber(opt.momentum ?? 0.9, 'options.momentum', 0, 1),
    warmupSteps: opt.warmupSteps === undefined ? undefined : expectInt(opt.warmupSteps, 'options.warmupSteps', 0),
    minLrFactor: expectNumber(opt.minLrFactor ?? 0.02, 'options.minLrFactor', 0, 1),
    clipNorm: expectNumber(opt.clipNorm ?? 10, 'options.clipNorm', 0),
    seed: expectInt(opt.seed ?? 0, 'options.seed', 0),
    threads: opt.threads === undefined ? undefined : expectInt(opt.threads, 'options.threads', 1, 256),
    augment: opt.augment ?? {},
    sampling: expectOneOf(opt.sampling ?? 'uniform', ['uniform', 'balanced'] as const, 'options.sampling'),
    loss: opt.loss ?? {},
    outDir: opt.outDir ?? null,
    resume: opt.resume,
    earlyStopping: (opt.earlyStopping === undefined || opt.earlyStopping === false ? false : expectInt(opt.earlyStopping, 'options.earlyStopping', 1)) as number | false,
    select: expectOneOf(opt.select ?? 'score', ['score', 'last'] as const, 'options.select'),
    untilEpoch: expectInt(opt.untilEpoch ?? opt.epochs, 'options.untilEpoch', 1),
    timeBudget: expectNumber(opt.timeBudget ?? Infinity, 'options.timeBudget', 0),
    validation: opt.validation ?? {},
    progress: opt.progress ?? 'auto',
    log: opt.log,
    prefetch: opt.prefetch ?? 2,
    reduceGradients: opt.reduceGradients ?? noReduction,
    shard: opt.shard,
  };
}

type Resolved = ReturnType<typeof resolve>;

export class Trainer {
  readonly model: FTMTLNet;
  readonly loss: MultiTaskLoss;
  readonly optimizer: Optimizer;
  readonly options: Resolved;
  history: EpochRecord[] = [];
  private readonly loader: DataLoader;
  private readonly progress: ProgressReporter;
  private rng: Rng;
  private globalStep = 0;
  private startEpoch = 0;
  private stopping: EarlyStopping;
  private recoveries = 0;

  constructor(model: FTMTLNet, train: readonly Sample[], private readonly val: readonly Sample[] | null, options: TrainerOptions) {
    this.options = resolve(options);
    const o = this.options;
    this.model = model;
    this.loss = new MultiTaskLoss(o.loss);
    const named = [...model.namedParameters(), ...this.loss.namedParameters().map(([n, t]) => [`loss.${n}`, t] as [string, typeof t])];
    const groups = decayGroups(named, o.weightDecay);
    this.optimizer = o.optimizer === 'sgd'
      ? new SGD(groups, { lr: o.lr, momentum: o.momentum, nesterov: o.momentum > 0 })
      : new AdamW(groups, { lr: o.lr, weightDecay: o.weightDecay });
    this.loader = new DataLoader(train, {
      batchSize: o.batchSize, imageSize: model.config.imageSize, seed: o.seed, augment: o.augment, prefetch: o.prefetch,
      dropLast: train.length > o.batchSize, shard: o.shard, sampling: o.sampling,
    });
    this.progress = createProgress(o.progress, o.log);
    this.rng = new Rng(o.seed);
    if (o.earlyStopping !== false && o.select === 'last')
      throw new RangeError(`Expected options.select 'score' with options.earlyStopping (${o.earlyStopping}): with 'last' no epoch is better than another`);
    this.stopping = new EarlyStopping(o.earlyStopping, 0, o.select);
  }

  get stepsPerEpoch(): number {
    return this.loader.length;
  }

  async fit(): Promise<TrainResult> {
    const o = this.options;
    const started = Date.now();
    if (o.threads !== undefined) setNumThreads(o.threads);
    if (o.resume) await this.restore(o.resume);
    const totalSteps = o.epochs * this.loader.length;
    const warmup = Math.min(totalSteps, o.warmupSteps ?? Math.min(100, Math.ceil(this.loader.length / 2)));
    const schedule = warmupCosine({ baseLr: o.lr, totalSteps, warmupSteps: warmup, minLr: o.lr * o.minLrFactor });
    const guardTensors = [...this.optimizer.params, ...this.model.namedBuffers().map(([, t]) => t)];
    const guard = new StepGuard(guardTensors, this.optimizer);
    guard.recoveries = this.recoveries;
    let stoppedEarly = false;
    let epoch = this.startEpoch;
    try {
      for (; epoch < Math.min(o.epochs, o.untilEpoch); epoch++) {
        const t0 = Date.now();
        const elapsed = (t0 - started) / 1000;
        const lastEpoch = this.history.length ? this.history[this.history.length - 1].seconds : 0;
        if (epoch > this.startEpoch && elapsed + lastEpoch > o.timeBudget) {
          this.progress.log(`time budget: ${elapsed.toFixed(0)} s used of ${o.timeBudget.toFixed(0)} s and an epoch takes about ${lastEpoch.toFixed(0)} s; stopping after epoch ${epoch}`);
          stoppedEarly = true;
          break;
        }
        this.reseedDropout(Math.floor(this.rng.next() * 0x7fffffff));
        const recoveriesBefore = guard.recoveries;
        const train = await this.trainEpoch(epoch, guard, schedule);
        const record: EpochRecord = {
          epoch: epoch + 1, lr: this.optimizer.lr, train, val: null, metrics: null, score: NaN, seconds: 0,
          recoveries: guard.recoveries - recoveriesBefore,
        };
        if (this.val && this.val.length) {
          const v = await validate(this.model, this.val, { loss: this.loss, batchSize: o.validation.batchSize ?? o.batchSize, threshold: o.validation.threshold, topK: o.validation.topK });
          record.val = v.parts;
          record.metrics = v.metrics;
          record.score = selectionScore(v.metrics);
        }
        if (!record.metrics) record.score = -(train.total ?? NaN);
        record.seconds = (Date.now() - t0) / 1000;
        this.history.push(record);
        this.recoveries = guard.recoveries;
        const improved = this.stopping.update(epoch + 1, record.score);
        this.progress.log(epochLine(record, o.epochs));
        if (o.outDir) await this.saveCheckpoints(epoch + 1, improved, record);
        if (this.stopping.shouldStop) {
          const best = this.stopping.best!;
          this.progress.log(`early stopping: no better validation score for ${this.stopping.sinceBest} epochs (best ${best.score.toFixed(4)} at epoch ${best.epoch})`);
          stoppedEarly = true;
          epoch++;
          break;
        }
      }
    } finally {
      await this.loader.close();
    }
    if (guard.recoveries > 0) this.progress.log(`NaN guard: ${guard.recoveries} step(s) with a non-finite loss, gradient or update were undone in total`);
    return {
      history: this.history, best: this.stopping.best, epochsRun: epoch - this.startEpoch, stoppedEarly,
      recoveries: guard.recoveries, seconds: (Date.now() - started) / 1000,
    };
  }

  private async trainEpoch(epoch: number, guard: StepGuard, schedule: (step: number) => number): Promise<Partial<LossParts>> {
    const { imageSize, headStride, classNames } = this.model.config;
    const o = this.options;
    this.model.train();
    this.progress.startEpoch(epoch + 1, o.epochs, this.loader.length);
    const sums: Record<string, number> = {};
    let good = 0;
    let done = 0;
    for await (const batch of this.loader.batches(epoch)) {
      done++;
      this.optimizer.lr = schedule(this.globalStep);
      const targets = encodeTargets(batch.samples, { classNames, imageSize, headStride });
      const out = this.model.forward(batch.images);
      const { total, parts } = this.loss.compute(out, targets);
      let bad = '';
      if (!Number.isFinite(parts.total)) bad = `the loss is ${parts.total}`;
      if (!bad) {
        total.backward();
        await o.reduceGradients(this.optimizer.params);
        const clip = clipGradNorm(this.optimizer.params, o.clipNorm);
        if (!clip.finite) bad = `the gradient norm is ${clip.norm}`;
      }
      if (!bad) {
        this.optimizer.step();
        this.optimizer.zeroGrad();
        if (!guard.stateIsFinite()) bad = 'the update made a parameter or buffer non-finite';
      }
      // The step's activations and gradients go back to the pool now, not when V8 collects.
      releaseGraph(total);
      if (bad) {
        guard.restore();
        this.progress.log(`NaN guard: epoch ${epoch + 1} step ${done}: ${bad}; restored the last good parameters and optimizer state (${guard.recoveries} so far)`);
      } else {
        guard.commit();
        this.globalStep++;
        good++;
        for (const [k, v] of Object.entries(parts)) if (typeof v === 'number') sums[k] = (sums[k] ?? 0) + v;
      }
      this.progress.step(done, { loss: good ? sums.total / good : NaN, lr: this.optimizer.lr });
    }
    this.progress.endEpoch();
    const mean: Record<string, number> = {};
    for (const [k, v] of Object.entries(sums)) mean[k] = v / good;
    return mean;
  }

  // Dropout masks come from a stream re-seeded each epoch, so a resumed run repeats them.
  private reseedDropout(seed: number): void {
    let k = 0;
    for (const [, m] of this.model.namedModules()) {
      if (m instanceof Dropout) (m as unknown as { rng: () => number }).rng = seededRng(seed + 7919 * k++);
    }
  }

  private async saveCheckpoints(epoch: number, improved: boolean, record: EpochRecord): Promise<void> {
    const out = this.options.outDir!;
    const meta = { epoch: String(epoch) };
    // Each folder is replaced as one unit (a kill -9 mid-save never mixes two epochs).
    if (improved) {
      await writeCheckpointFolder(path.join(out, 'best'), async (dir) => {
        await saveModel(this.model, dir, meta);
        await writeFileAtomic(path.join(dir, 'metrics.json'), JSON.stringify({ epoch, score: record.score, metrics: record.metrics }, null, 2) + '\n');
      }, { epoch });
    }
    await writeCheckpointFolder(path.join(out, 'last'), async (dir) => {
      await saveModel(this.model, dir, meta);
      await saveTrainState(dir, {
        epoch, globalStep: this.globalStep, rngState: this.rng.state, recoveries: this.recoveries, best: this.stopping.best,
        sinceBest: this.stopping.sinceBest, history: this.history, options: persistedOptions(this.options),
      }, this.optimizer.stateDict());
    }, { epoch });
    await writeFileAtomic(path.join(out, 'history.json'), JSON.stringify(this.history, null, 2) + '\n');
  }

  private async restore(dir: string): Promise<void> {
    const { dir: ckDir, passedOver } = await findResumeCheckpoint(dir);
    for (const why of passedOver) this.progress.log(`resume: passed over an incomplete checkpoint: ${why}`);
    const { state, optimizer } = await loadTrainState<EpochRecord>(ckDir);
    const ck = await readCheckpoint<FTMTLNetConfig>(ckDir);
    const differs = configDifference(this.model.config, ck.config);
    if (differs) {
      throw new Error(`cannot resume from ${dir}: the model is not the one in ${ck.configFile} (${differs}); build it from that config (FTMTLNet.fromConfig)`);
    }
    this.model.loadStateDict(ck.weights, { strict: true, source: ck.weightsFile });
    this.optimizer.loadStateDict(optimizer);
    this.startEpoch = state.epoch;
    this.globalStep = state.globalStep;
    this.rng.state = state.rngState;
    this.recoveries = state.recoveries;
    this.stopping.best = state.best;
    this.stopping.sinceBest = state.sinceBest;
    this.history = state.history;
    this.progress.log(`resumed from ${ckDir}: ${state.epoch} epoch(s) done, step ${state.globalStep}`);
  }
}

// The first field that makes two model configs build different networks, or null.
function configDifference(model: FTMTLNetConfig, saved: Partial<FTMTLNetConfig>): string | null {
  for (const k of ['preset', 'imageSize', 'transfer', 'headStride', 'numClasses', 'arch'] as const) {
    const a = JSON.stringify(model[k]);
    const b = JSON.stringify(saved[k]);
    if (a !== b) return `${k}: model ${a}, checkpoint ${b}`;
  }
  return null;
}

// Single process: the gradients are already the whole batch's.
function noReduction(): void {}

function persistedOptions(o: Resolved): Record<string, unknown> {
  const { log: _log, reduceGradients: _reduce, ...rest } = o;
  return rest;
}

function fmt(v: number | undefined, d = 3): string {
  return v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d);
}

export function epochLine(r: EpochRecord, epochs: number): string {
  let s = `epoch ${r.epoch}/${epochs}: train loss ${fmt(r.train.total, 4)} (cls ${fmt(r.train.cls)} det ${fmt(r.train.det)} seg ${fmt(r.train.seg)})`;
  if (r.val) s += `, val loss ${fmt(r.val.total, 4)}`;
  if (r.metrics) {
    const m = r.metrics;
    s += ` | AUC ${fmt(m.classification.auc)} acc ${fmt(m.classification.accuracy)} FROC@1 ${fmt(m.detection.froc['1'])} Dice ${fmt(m.segmentation.dice)}`;
  }
  s += ` | ${r.seconds.toFixed(1)} s`;
  if (r.recoveries) s += ` | ${r.recoveries} NaN step(s) undone`;
  return s;
}
