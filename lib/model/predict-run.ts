// One prediction on one gray image, in the input image's pixel frame. Runs inside the
// predict worker (see predictor.ts); usable directly where blocking is acceptable.
import { Tensor } from '../tensor';
import { noGrad } from '../autograd';
import type { GrayImage } from '../data/sample';
import type { FTMTLNet } from './ftmtlnet';
import { decodeOutputs, Detection } from './decode';
import { resizeBilinear, resizeMaskNearest } from './predict-input';

export interface PredictOptions {
  threshold?: number;   // minimum detection score, 0.3 by default
  topK?: number;        // most detections, 20 by default
}

export interface Prediction {
  classes: string[];
  probabilities: number[];
  label: string;
  detections: Detection[];
  mask: { width: number; height: number; data: Uint8Array };
}

export function predictGray(model: FTMTLNet, image: GrayImage, options: PredictOptions = {}): Prediction {
  const S = model.config.imageSize;
  const resized = resizeBilinear(image, S, S);
  const x = Tensor.from(Float32Array.from(resized.data), [1, 1, S, S]);
  const wasTraining = model.training;
  model.eval();
  let pred;
  try {
    pred = decodeOutputs(noGrad(() => model.forward(x)), { stride: model.config.headStride, ...options })[0];
  } finally {
    model.train(wasTraining);
  }
  const sx = image.width / S, sy = image.height / S;
  return {
    classes: [...model.config.classNames],
    probabilities: pred.probabilities,
    label: model.config.classNames[pred.classIndex],
    detections: pred.detections.map((d) => ({
      box: [d.box[0] * sx, d.box[1] * sy, d.box[2] * sx, d.box[3] * sy],
      score: d.score,
    })),
    mask: {
      width: image.width,
      height: image.height,
      data: resizeMaskNearest(pred.mask.data, S, S, image.width, image.height),
    },
  };
}
