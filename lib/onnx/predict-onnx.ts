// Prediction through onnxruntime-node on an exported graph: the same pre- and post-processing
// as model.predict, with the forward pass run by the ONNX engine (asynchronous, off the event loop).
import type { InferenceSession } from 'onnxruntime-node';
import { Tensor } from '../tensor';
import { loadPredictInput } from '../model/predict-input';
import { preparePredictInput, finishPrediction, type Prediction, type PredictOptions } from '../model/predict-run';
import { resolveConfig, type FTMTLNetConfig } from '../model/config';
import type { FTMTLNetOutputs } from '../model/ftmtlnet';
import { readOnnxWeights } from './import';
import { createOrtSession, runOrt } from './onnxruntime';
import { HEAD_NAMES, INPUT_NAME } from './export';
import { resolveDecodeLimits } from '../data/limits';

export class OnnxPredictor {
  private constructor(readonly config: FTMTLNetConfig, private readonly session: InferenceSession) {}

  // bytes: an ONNX model exported by ftmtlnet (its config travels in the metadata).
  static async open(bytes: Uint8Array, options: { threads?: number; name?: string } = {}): Promise<OnnxPredictor> {
    const { config } = readOnnxWeights(bytes, options.name);
    return new OnnxPredictor(resolveConfig(config as never), await createOrtSession(bytes, { threads: options.threads }));
  }

  async predict(image: unknown, options: PredictOptions = {}): Promise<Prediction> {
    const input = await loadPredictInput(image, resolveDecodeLimits(options.limits));
    const prepared = preparePredictInput(this.config, input.image, options, input.laterality);
    const raw = await runOrt(this.session, prepared.x.data, prepared.x.shape, INPUT_NAME);
    const outputs = Object.fromEntries(
      HEAD_NAMES.map((h) => [h, Tensor.from(raw[h].data, [...raw[h].dims])]),
    ) as unknown as FTMTLNetOutputs;
    return finishPrediction(this.config, outputs, prepared, options);
  }
}
