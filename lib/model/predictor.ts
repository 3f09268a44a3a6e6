// Runs predict() in a worker thread so a forward pass never blocks the event loop. The worker
// is started on first use and gets the model's weights; they are sent again only when they
// have changed since (a checksum of every parameter and buffer).
import { Worker } from 'node:worker_threads';
import { workerScript } from '../worker-script';
import type { FTMTLNet } from './ftmtlnet';
import type { Prediction, PredictOptions } from './predict-run';
import type { WorkerRequest } from './predict-worker';
import { fromNdarray, type PredictInput } from './predict-input';
import { resolveDecodeLimits } from '../data/limits';

interface Pending {
  resolve(p: Prediction): void;
  reject(e: Error): void;
}

// Refuses weights holding NaN or Infinity: every prediction would be NaN.
function checkFiniteWeights(model: FTMTLNet): void {
  for (const [name, t] of Object.entries(model.stateDict())) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) throw new RangeError(`the model's weights are corrupt: ${name} holds ${d[i]} at index ${i}; predict() needs finite weights`);
    }
  }
}

function weightsChecksum(model: FTMTLNet): number {
  let h = 0x811c9dc5;
  for (const t of Object.values(model.stateDict())) {
    const words = new Int32Array(t.data.buffer, t.data.byteOffset, t.numel);
    for (let i = 0; i < words.length; i++) h = (Math.imul(h, 31) + words[i]) | 0;
  }
  return h;
}

function workerFile(): { file: string; execArgv?: string[] } {
  return workerScript(__filename, 'predict-worker');
}

export class Predictor {
  private worker: Worker | null = null;
  private sentChecksum: number | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly model: FTMTLNet) {}

  private start(): Worker {
    const { file, execArgv } = workerFile();
    const w = new Worker(file, execArgv ? { execArgv } : {});
    w.on('message', (msg: { id: number; result?: Prediction; error?: { name: string; message: string } }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (this.pending.size === 0) w.unref();
      if (msg.error) {
        const e = new Error(msg.error.message);
        e.name = msg.error.name;
        p.reject(e);
      } else {
        p.resolve(msg.result!);
      }
    });
    const failAll = (e: Error) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      this.worker = null;
      this.sentChecksum = null;
    };
    w.on('error', (e) => failAll(new Error(`the predict worker failed: ${e.message}`)));
    w.on('exit', (code) => failAll(new Error(`the predict worker exited with code ${code}`)));
    w.unref();
    return w;
  }

  async predict(input: unknown, options: PredictOptions = {}): Promise<Prediction> {
    if (!this.worker) this.worker = this.start();
    const w = this.worker;
    const sum = weightsChecksum(this.model);
    // The limits travel with the request: the worker has its own module state.
    const limits = resolveDecodeLimits(options.limits);
    if (sum !== this.sentChecksum) {
      checkFiniteWeights(this.model);
      const weights: Record<string, { shape: number[]; data: Float32Array }> = {};
      for (const [k, t] of Object.entries(this.model.stateDict())) weights[k] = { shape: [...t.shape], data: new Float32Array(t.data) };
      const msg: WorkerRequest = { kind: 'weights', config: this.model.config, weights };
      w.postMessage(msg);
      this.sentChecksum = sum;
    }
    const id = this.nextId++;
    // Copies (the caller keeps its buffers); ndarrays become plain images (their shape is a getter).
    let payload: unknown = input;
    if (input instanceof Uint8Array || input instanceof Float32Array) payload = input.slice();
    else if (input && typeof input === 'object' && 'shape' in input && 'data' in input) payload = fromNdarray(input as never, limits);
    return new Promise<Prediction>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.ref();
      const msg: WorkerRequest = { kind: 'predict', id, input: payload, options: { ...options, limits } };
      w.postMessage(msg);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.sentChecksum = null;
    if (w) {
      w.removeAllListeners('exit');
      await w.terminate();
    }
  }
}

// One worker per model, started by the first predictImage().
const predictors = new WeakMap<FTMTLNet, Predictor>();

// Classifies, detects and segments one image (Float32Array, ndarray, { width, height, data },
// PNG/PGM/DICOM Buffer, or a file path), in a worker thread: the event loop is never blocked by
// the forward pass. Results are in the input image's pixel frame. The worker holds a copy of
// the weights; it gets a fresh copy when the weights have changed.
export async function predictImage(model: FTMTLNet, image: PredictInput, options: PredictOptions = {}): Promise<Prediction> {
  let p = predictors.get(model);
  if (!p) {
    p = new Predictor(model);
    predictors.set(model, p);
  }
  return p.predict(image, options);
}

// Stops the model's predict worker (a later predictImage() starts a new one).
export async function closePredictor(model: FTMTLNet): Promise<void> {
  const p = predictors.get(model);
  predictors.delete(model);
  if (p) await p.close();
}
