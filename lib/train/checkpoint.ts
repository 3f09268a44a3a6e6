// Checkpoints: a folder with config.json (the model config) and weights.safetensors (every
// parameter and buffer by its dotted name), each written atomically. The trainer's folders are
// written as one unit with a manifest (checkpoint-folder.ts).
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Tensor } from '../tensor';
import { readSafetensors, writeFileAtomic, writeSafetensors } from './safetensors';
import { MANIFEST_FILE } from './checkpoint-folder';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'weights.safetensors';

export interface CheckpointContent<C> {
  config: C;
  weights: Record<string, Tensor>;
  metadata: Record<string, string>;
  configFile: string;
  weightsFile: string;
}

export async function writeCheckpoint(dir: string, config: object, weights: Record<string, Tensor>, metadata: Record<string, string> = {}): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  // A manifest of the trainer's (checkpoint-folder.ts) would no longer vouch for these files.
  await fsp.rm(path.join(dir, MANIFEST_FILE), { force: true });
  await writeSafetensors(path.join(dir, WEIGHTS_FILE), weights, { format: 'pt', producer: 'ftmtlnet', ...metadata });
  await writeFileAtomic(path.join(dir, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
}

export async function readCheckpoint<C>(dir: string): Promise<CheckpointContent<C>> {
  const configFile = path.join(dir, CONFIG_FILE);
  const weightsFile = path.join(dir, WEIGHTS_FILE);
  let text: string;
  try {
    text = await fsp.readFile(configFile, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the checkpoint config ${configFile}: ${(e as Error).message}`);
  }
  let config: C;
  try {
    config = JSON.parse(text) as C;
  } catch (e) {
    throw new Error(`${configFile} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    await fsp.access(weightsFile);
  } catch {
    throw new Error(`the checkpoint has no weights file: ${weightsFile} does not exist`);
  }
  const { tensors, metadata } = await readSafetensors(weightsFile);
  return { config, weights: tensors, metadata, configFile, weightsFile };
}
