// What a resumable checkpoint holds beside the model (config.json + weights.safetensors):
// train-state.json (completed epochs, global step, RNG state, history, best score, options)
// and optimizer.safetensors (every optimizer buffer, named `<parameter>.<buffer>`).
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Tensor } from '../tensor';
import type { OptimizerStateDict } from './optimizers';
import { readSafetensors, writeFileAtomic, writeSafetensors } from './safetensors';
import { MANIFEST_FILE, findCompleteCheckpoint } from './checkpoint-folder';

export const TRAIN_STATE_FILE = 'train-state.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';

const BUFFER_NAMES: Record<OptimizerStateDict['type'], string[]> = { sgd: ['momentum'], adamw: ['exp_avg', 'exp_avg_sq'] };

export interface TrainState<H = unknown> {
  format: 'ftmtlnet-train-state';
  version: 1;
  epoch: number;          // completed epochs
  globalStep: number;     // optimizer steps taken (drives the schedule)
  rngState: number;       // the trainer's RNG after `epoch` epochs
  recoveries: number;     // NaN/Inf steps undone so far
  best: { epoch: number; score: number } | null;
  sinceBest: number;      // epochs without improvement (early stopping)
  history: H[];
  options: Record<string, unknown>;
  optimizer: Omit<OptimizerStateDict, 'slots'> & { slots: { name: string; step: number; shape: number[] }[] };
}

export async function saveTrainState<H>(dir: string, state: Omit<TrainState<H>, 'optimizer' | 'format' | 'version'>, optimizer: OptimizerStateDict): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  const tensors: Record<string, Tensor> = {};
  const names = BUFFER_NAMES[optimizer.type];
  optimizer.slots.forEach((s) => s.buffers.forEach((b, k) => {
    tensors[`${s.name}.${names[k]}`] = new Tensor(b, s.shape.length ? s.shape : [b.length]);
  }));
  await writeSafetensors(path.join(dir, OPTIMIZER_FILE), tensors, { producer: 'ftmtlnet', optimizer: optimizer.type });
  const full: TrainState<H> = {
    format: 'ftmtlnet-train-state',
    version: 1,
    ...state,
    optimizer: { type: optimizer.type, lr: optimizer.lr, options: optimizer.options, slots: optimizer.slots.map(({ name, step, shape }) => ({ name, step, shape })) },
  };
  await writeFileAtomic(path.join(dir, TRAIN_STATE_FILE), JSON.stringify(full, null, 2) + '\n');
}

// The checkpoint folder of a resume argument (the folder itself, or the run folder's last/):
// the newest complete one, checked against its manifest, falling back to .last.previous when a
// save was interrupted. `passedOver` says why a newer folder was not used.
export async function findResumeCheckpoint(dir: string): Promise<{ dir: string; passedOver: string[] }> {
  const own = await fsp.access(path.join(dir, TRAIN_STATE_FILE)).then(() => true, () => false)
    || await fsp.access(path.join(dir, MANIFEST_FILE)).then(() => true, () => false);
  const target = own ? dir : path.join(dir, 'last');
  try {
    return await findCompleteCheckpoint(target);
  } catch (e) {
    throw new Error(`cannot resume from ${dir}: ${(e as Error).message}`);
  }
}

export async function resolveResumeDir(dir: string): Promise<string> {
  return (await findResumeCheckpoint(dir)).dir;
}

export async function loadTrainState<H>(dir: string): Promise<{ state: TrainState<H>; optimizer: OptimizerStateDict }> {
  const file = path.join(dir, TRAIN_STATE_FILE);
  let state: TrainState<H>;
  try {
    state = JSON.parse(await fsp.readFile(file, 'utf8')) as TrainState<H>;
  } catch (e) {
    throw new Error(`cannot read the training state ${file}: ${(e as Error).message}`);
  }
  if (state.format !== 'ftmtlnet-train-state') throw new Error(`${file} is not an ftmtlnet training state (format ${JSON.stringify(state.format)})`);
  const { tensors } = await readSafetensors(path.join(dir, OPTIMIZER_FILE));
  const names = BUFFER_NAMES[state.optimizer.type];
  const slots = state.optimizer.slots.map((s) => ({
    ...s,
    buffers: names.filter((n) => tensors[`${s.name}.${n}`]).map((n) => new Float32Array(tensors[`${s.name}.${n}`].data)),
  }));
  return { state, optimizer: { ...state.optimizer, slots } };
}
