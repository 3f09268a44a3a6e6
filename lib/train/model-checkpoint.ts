// An FTMTLNet as a checkpoint folder (lib/train/checkpoint.ts): config.json (the resolved
// model config) and weights.safetensors (every parameter and buffer by its dotted name).
import { FTMTLNet } from '../model/ftmtlnet';
import type { FTMTLNetConfig } from '../model/config';
import { ModelPool } from '../model/model-pool';
import { readCheckpoint, writeCheckpoint } from './checkpoint';

// Writes dir/config.json and dir/weights.safetensors (atomically; creates dir).
export async function saveModel(model: FTMTLNet, dir: string, metadata: Record<string, string> = {}): Promise<void> {
  await writeCheckpoint(dir, model.config, model.stateDict(), metadata);
}

// Reads a checkpoint folder written by saveModel(); throws naming the file and tensor when the
// weights are truncated, corrupt or do not match the config. The model comes back in eval mode.
export async function loadModel(dir: string): Promise<FTMTLNet> {
  const ck = await readCheckpoint<FTMTLNetConfig>(dir);
  let model: FTMTLNet;
  try {
    model = FTMTLNet.fromConfig(ck.config);
  } catch (e) {
    throw new Error(`${ck.configFile} is not a valid FTMTLNet config: ${(e as Error).message}`);
  }
  model.loadStateDict(ck.weights, { strict: true, source: ck.weightsFile });
  return model.eval();
}

// `size` copies of one checkpoint, each with its own predict worker (queue worker, Orthanc).
export async function loadModelPool(dir: string, size = 1): Promise<ModelPool> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`Expected a positive integer for concurrency but received ${size}`);
  const models: FTMTLNet[] = [];
  for (let i = 0; i < size; i++) models.push(await loadModel(dir));
  return ModelPool.of(models);
}
