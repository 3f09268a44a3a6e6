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
import { averageFlipped, flippedInputs } from '../model/test-time-flips';

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
    const run = async (x: Tensor): Promise<FTMTLNetOutputs> => {
      const raw = await runOrt(this.session, x.data, x.shape, INPUT_NAME);
      return Object.fromEntries(HEAD_NAMES.map((h) => [h, Tensor.from(raw[h].data, [...raw[h].dims])])) as unknown as FTMTLNetOutputs;
    };
    // The config's test-time flips, as model.predict runs them.
    const flipped = flippedInputs(prepared.x, options.tta ?? this.config.tta);
    const extra: FTMTLNetOutputs[] = [];
    for (const x of flipped) extra.push(await run(x));
    const outputs = averageFlipped(await run(prepared.x), extra);
    return finishPrediction(this.config, outputs, prepared, options);
  }
}
