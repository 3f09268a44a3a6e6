// Reads an exported ONNX file back: the model config from metadata_props and the weights
// from the initializers (named by state-dict keys).
import * as fs from 'node:fs';
import { Tensor } from '../tensor';
import { decodeModel, onnx } from './graph-builder';
import { verifyOnnx } from './integrity';
import { FTMTLNet } from '../model/ftmtlnet';
import type { FTMTLNetConfig } from '../model/config';

export interface OnnxWeights {
  config: Record<string, unknown>;
  tensors: Map<string, { dims: number[]; data: Float32Array }>;
  metadata: Record<string, string>;
}

function toNumber(v: number | { toNumber(): number }): number {
  return typeof v === 'number' ? v : v.toNumber();
}

export function readOnnxWeights(bytes: Uint8Array, file = 'the ONNX model'): OnnxWeights {
  let model: onnx.ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (err) {
    throw new Error(`${file} is not a readable ONNX model: ${(err as Error).message}`);
  }
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) metadata[p.key] = p.value ?? '';
  const configText = metadata['ftmtlnet.config'];
  if (!configText) {
    throw new Error(`${file} has no ftmtlnet.config metadata: only graphs exported by ftmtlnet can be read back into a model`);
  }
  verifyOnnx(bytes, file);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(configText);
  } catch (err) {
    throw new Error(`${file} has malformed ftmtlnet.config metadata: ${(err as Error).message}`);
  }
  const tensors = new Map<string, { dims: number[]; data: Float32Array }>();
  for (const init of model.graph?.initializer ?? []) {
    if (init.dataType !== onnx.TensorProto.DataType.FLOAT || !init.name) continue;
    const dims = (init.dims ?? []).map(toNumber);
    const n = dims.reduce((p, d) => p * d, 1);
    let data: Float32Array;
    if (init.rawData && init.rawData.length > 0) {
      if (init.rawData.length !== n * 4) {
        throw new Error(`${file}: initializer ${init.name} has ${init.rawData.length} bytes, expected ${n * 4}`);
      }
      data = new Float32Array(n);
      new Uint8Array(data.buffer).set(init.rawData);
    } else {
      data = Float32Array.from(init.floatData ?? []);
      if (data.length !== n) throw new Error(`${file}: initializer ${init.name} has ${data.length} values, expected ${n}`);
    }
    tensors.set(init.name, { dims, data });
  }
  return { config, tensors, metadata };
}

// Builds a model from an exported ONNX file: config from the metadata, weights from the
// initializers. `create` makes an untrained model of a config (FTMTLNet.fromConfig).
export async function modelFromOnnx<M extends { loadStateDict(sd: Record<string, Tensor>, o: { strict: boolean; source: string }): unknown }>(
  file: string,
  create: (config: Record<string, unknown>) => M,
): Promise<M> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (err) {
    throw new Error(`cannot read ONNX model ${file}: ${(err as Error).message}`);
  }
  const { config, tensors } = readOnnxWeights(bytes, file);
  let model: M;
  try {
    model = create(config);
  } catch (err) {
    throw new Error(`${file} holds an invalid FTMTLNet config: ${(err as Error).message}`);
  }
  const sd: Record<string, Tensor> = {};
  for (const [name, t] of tensors) {
    if (name.startsWith('constant') || name.startsWith('reshape_shape')) continue;
    sd[name] = Tensor.from(t.data, t.dims.length > 0 ? t.dims : [1]);
  }
  model.loadStateDict(sd, { strict: true, source: file });
  return model;
}

// Reads a graph written by exportOnnx back into an FTMTLNet (the ONNX file as portable form),
// in eval mode.
export async function importOnnx(file: string): Promise<FTMTLNet> {
  const model = await modelFromOnnx(file, (config) => FTMTLNet.fromConfig(config as unknown as FTMTLNetConfig));
  return model.eval();
}
