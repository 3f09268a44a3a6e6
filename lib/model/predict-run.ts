// One prediction on one gray image, in the input image's pixel frame. Runs inside the
// predict worker (see predictor.ts); usable directly where blocking is acceptable.
import { Tensor } from '../tensor';
import { noGrad } from '../autograd';
import type { GrayImage } from '../data/sample';
import { OUTPUT_NAMES, type FTMTLNet, type FTMTLNetOutputs } from './ftmtlnet';
import { decodeOutputs, Detection } from './decode';
import { resizeBilinear, resizeMaskNearest } from './predict-input';
import { boxToOriginal, maskToOriginal, preprocessImage, type Geometry } from '../data/preprocess';
import type { FTMTLNetConfig, PredictPreprocess, TestTimeAugmentation } from './config';
import { predictOutputs } from './test-time-flips';
import type { DecodeLimits } from '../data/limits';

export interface PredictOptions {
  threshold?: number;   // minimum detection score, 0.3 by default
  topK?: number;        // most detections, 20 by default
  preprocess?: PredictPreprocess;   // overrides model.config.preprocess
  tta?: TestTimeAugmentation;       // overrides model.config.tta
  limits?: Partial<DecodeLimits>;   // decode limits for this input (default: setDecodeLimits / the defaults)
}

export interface Prediction {
  classes: string[];
  probabilities: number[];
  label: string;
  detections: Detection[];
  mask: { width: number; height: number; data: Uint8Array };
}

// An image made ready for the network: the (1,1,S,S) input and how to map results back.
export interface PreparedInput {
  x: Tensor;
  image: GrayImage;            // the original image
  geometry: Geometry | null;   // preprocessing geometry, or null for a plain resize
}

export function preparePredictInput(config: FTMTLNetConfig, image: GrayImage, options: PredictOptions = {}, laterality: 'L' | 'R' | null = null): PreparedInput {
  const S = config.imageSize;
  const pre = options.preprocess !== undefined ? options.preprocess : config.preprocess;
  let input: GrayImage;
  let geometry: Geometry | null = null;
  if (pre) {
    const r = preprocessImage(image, { ...pre, size: S }, laterality);
    input = r.image;
    geometry = r.geometry;
  } else {
    input = resizeBilinear(image, S, S);
  }
  return { x: Tensor.from(Float32Array.from(input.data), [1, 1, S, S]), image, geometry };
}

// Decodes the raw heads of one image and maps boxes and mask to the input image's frame.
export function finishPrediction(config: FTMTLNetConfig, outputs: FTMTLNetOutputs, prepared: PreparedInput, options: PredictOptions = {}): Prediction {
  const S = config.imageSize;
  const { image, geometry } = prepared;
  const { threshold, topK } = options;
  const pred = decodeOutputs(outputs, { stride: config.headStride, threshold, topK, classPrior: config.classPrior })[0];
  if (!pred.probabilities.every(Number.isFinite)) {
    throw new RangeError(`the network produced non-finite class probabilities [${pred.probabilities.join(', ')}] for a finite input: the model's weights are corrupt (NaN or Infinity) or overflow`);
  }
  const sx = image.width / S, sy = image.height / S;
  const toInput = (b: Detection['box']): Detection['box'] =>
    geometry ? boxToOriginal(b, geometry) : [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy];
  return {
    classes: [...config.classNames],
    probabilities: pred.probabilities,
    label: config.classNames[pred.classIndex],
    detections: pred.detections.map((d) => ({ box: toInput(d.box), score: d.score })),
    mask: {
      width: image.width,
      height: image.height,
      data: geometry ? maskToOriginal(pred.mask.data, geometry) : resizeMaskNearest(pred.mask.data, S, S, image.width, image.height),
    },
  };
}

export function predictGray(model: FTMTLNet, image: GrayImage, options: PredictOptions = {}, laterality: 'L' | 'R' | null = null): Prediction {
  const prepared = preparePredictInput(model.config, image, options, laterality);
  const wasTraining = model.training;
  model.eval();
  try {
    const tta = options.tta ?? model.config.tta;
    const identity = noGrad(() => model.forward(prepared.x));
    const outputs = noGrad(() => predictOutputs(tta, prepared.x, (x) => model.forward(x), identity));
    try {
      return finishPrediction(model.config, outputs, prepared, options);
    } finally {
      // The prediction holds copies (probabilities, boxes, a new mask): the heads go back to the
      // pool now. A loop that never yields to the event loop runs no finalizers, and each
      // prediction left about 136 KB in use (preset xs at 128 px: 111 MB after 800; with
      // test-time flips the unflipped pass's heads too).
      for (const name of OUTPUT_NAMES) {
        outputs[name].dispose();
        identity[name].dispose();
      }
    }
  } finally {
    prepared.x.dispose();
    model.train(wasTraining);
  }
}
