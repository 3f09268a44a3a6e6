// The service's inference worker (one per piscina thread): loads the checkpoint once, then runs
// each task off the main thread: decode, predict, and build the JSON, the DICOM SEG + SR or the
// overlay PNG; or a raw forward pass on a tensor (KServe v2 infer).
import { Piscina } from 'piscina';
import { FTMTLNet, OUTPUT_NAMES } from '../model/ftmtlnet';
import { Tensor } from '../tensor';
import { noGrad } from '../autograd';
import { setNumThreads } from '../capabilities';
import { loadPredictInput } from '../model/predict-input';
import { predictGray } from '../model/predict-run';
import { predictionJson, type PredictionJson } from '../results/prediction-json';
import { dicomResults } from '../results/write-results';
import { renderOverlay } from '../report/overlay';
import type { DecodeLimits } from '../data/limits';
import { DataFormatError, UnsupportedTransferSyntaxError } from '../data/errors';
import { loadModel } from '../train/model-checkpoint';

export interface WorkerSetup {
  modelDir: string;
  threads?: number;
  limits: DecodeLimits;
}

export type InferenceTask =
  | { kind: 'predict'; bytes: Uint8Array; threshold: number; format: 'json' | 'dicom' | 'overlay' }
  | { kind: 'infer'; data: Float32Array; shape: number[] }
  | { kind: 'ping' };

// What went wrong with a task, classified in the worker (error classes do not survive the
// thread boundary): the body is not a readable image, is in an unsupported encoding, is too
// large to decode, or the input tensor is wrong; anything else is internal.
export interface TaskError {
  kind: 'input' | 'unsupported' | 'too-large' | 'internal';
  message: string;
}

export function classifyError(e: unknown): TaskError {
  const err = e instanceof Error ? e : new Error(String(e));
  const message = err.message.replace(/<buffer>/g, 'request body');
  if (err instanceof UnsupportedTransferSyntaxError) return { kind: 'unsupported', message };
  if (/\(maxPixels\)|\(maxDecodedBytes\)|exceeds the limit/.test(message)) return { kind: 'too-large', message };
  if (err instanceof DataFormatError || err instanceof RangeError || err instanceof TypeError) return { kind: 'input', message };
  return { kind: 'internal', message };
}

export interface PredictTaskResult {
  error?: TaskError;
  json: PredictionJson;
  seg?: Uint8Array;
  sr?: Uint8Array;
  png?: Uint8Array;
  inferSeconds: number;
}

export interface InferTaskResult {
  error?: TaskError;
  outputs: { name: string; shape: number[]; data: Float32Array }[];
  inferSeconds: number;
}

async function initialize(): Promise<(task: InferenceTask) => Promise<unknown>> {
  const setup = Piscina.workerData as WorkerSetup;
  if (setup.threads) setNumThreads(setup.threads);
  const model = await loadModel(setup.modelDir);

  async function predict(task: Extract<InferenceTask, { kind: 'predict' }>): Promise<PredictTaskResult> {
    const bytes = new Uint8Array(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
    const { image, laterality } = await loadPredictInput(bytes, setup.limits);
    const t0 = process.hrtime.bigint();
    const pred = predictGray(model, image, { threshold: task.threshold }, laterality);
    const inferSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const out: PredictTaskResult = { json: predictionJson(pred), inferSeconds };
    if (task.format === 'dicom') {
      const r = await dicomResults(bytes, pred, { threshold: task.threshold }, 'request body');
      out.seg = r.seg;
      out.sr = r.sr;
    } else if (task.format === 'overlay') {
      out.png = new Uint8Array(await renderOverlay(image, pred, { scoreThreshold: task.threshold }));
    }
    return out;   // structured-cloned back (a SEG of a full-field mammogram is under 2 MB)
  }

  function infer(task: Extract<InferenceTask, { kind: 'infer' }>): InferTaskResult {
    const t0 = process.hrtime.bigint();
    const x = Tensor.from(task.data, task.shape);
    const y = noGrad(() => model.forward(x));
    const outputs = OUTPUT_NAMES.map((name) => ({ name, shape: [...y[name].shape], data: Float32Array.from(y[name].data) }));
    return { outputs, inferSeconds: Number(process.hrtime.bigint() - t0) / 1e9 };
  }

  return async (task: InferenceTask) => {
    try {
      if (task.kind === 'predict') return await predict(task);
      if (task.kind === 'infer') return infer(task);
      return 'pong';
    } catch (e) {
      return { error: classifyError(e) };
    }
  };
}

module.exports = initialize();
