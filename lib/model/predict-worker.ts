// The predict worker: builds the model once from the config and weights it is sent, then
// decodes, resizes and runs each request off the main thread.
import { parentPort } from 'node:worker_threads';
import { Tensor } from '../tensor';
import { FTMTLNet } from './ftmtlnet';
import type { FTMTLNetConfig } from './config';
import { loadPredictInput } from './predict-input';
import { resolveDecodeLimits } from '../data/limits';
import { predictGray, PredictOptions } from './predict-run';

export type WorkerRequest =
  | { kind: 'weights'; config: FTMTLNetConfig; weights: Record<string, { shape: number[]; data: Float32Array }> }
  | { kind: 'predict'; id: number; input: unknown; options: PredictOptions };

let model: FTMTLNet | null = null;

async function handle(msg: WorkerRequest): Promise<void> {
  if (msg.kind === 'weights') {
    const m = FTMTLNet.fromConfig(msg.config);
    const sd: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(msg.weights)) sd[k] = Tensor.from(v.data, v.shape);
    m.loadStateDict(sd);
    model = m.eval();
    return;
  }
  try {
    if (!model) throw new Error('internal: predict worker received a request before its weights');
    const { image, laterality } = await loadPredictInput(msg.input, resolveDecodeLimits(msg.options.limits));
    const result = predictGray(model, image, msg.options, laterality);
    parentPort!.postMessage({ id: msg.id, result }, [result.mask.data.buffer as ArrayBuffer]);
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ id: msg.id, error: { name: err.name, message: err.message } });
  }
}

// Requests are handled one at a time, in order.
let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (msg: WorkerRequest) => {
  queue = queue.then(() => handle(msg));
});
