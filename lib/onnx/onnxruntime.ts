// Lazy loading of onnxruntime-node (a dev dependency): a clear message when it is missing.
import type * as Ort from 'onnxruntime-node';

let cached: typeof Ort | null = null;

export function loadOnnxRuntime(): typeof Ort {
  if (cached) return cached;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cached = require('onnxruntime-node') as typeof Ort;
  } catch (err) {
    throw new Error(
      'onnxruntime-node is not installed, so the ONNX engine is unavailable. Install it with ' +
        '`ONNXRUNTIME_NODE_INSTALL=skip npm install --save-dev onnxruntime-node` ' +
        `(its CPU runtime ships inside the package). Cause: ${(err as Error).message}`,
    );
  }
  return cached;
}

export interface OrtSessionOptions {
  threads?: number;
}

export async function createOrtSession(model: Uint8Array | string, opts: OrtSessionOptions = {}): Promise<Ort.InferenceSession> {
  const ort = loadOnnxRuntime();
  const options: Ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
  if (opts.threads) {
    options.intraOpNumThreads = opts.threads;
    options.interOpNumThreads = 1;
  }
  return typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
}

// Runs a session on an (N,1,S,S) float32 batch and returns every output as a Float32Array.
export async function runOrt(
  session: Ort.InferenceSession,
  input: Float32Array,
  dims: readonly number[],
  inputName = 'image',
): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const ort = loadOnnxRuntime();
  const feeds = { [inputName]: new ort.Tensor('float32', input, [...dims]) };
  const out = await session.run(feeds);
  const result: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
  for (const [name, t] of Object.entries(out)) result[name] = { data: t.data as Float32Array, dims: t.dims };
  return result;
}
