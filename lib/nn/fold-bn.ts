// Inference fusion: for conv -> BatchNorm (eval) -> ReLU, the normalisation is folded into the
// convolution's weights and bias, and the ReLU is applied as each output tile is stored, so the
// three ops make one pass over the output instead of five. Same math up to float rounding
// (onnxruntime folds the same way). Used only where nothing can tell the difference: eval
// mode, no gradient tape, no tracer (ONNX export sees the plain ops), tensors on the CPU.
import type { Tensor } from '../tensor';
import { convScaleRelu } from '../ops/fused-conv';
import { inInference } from './temporaries';
import type { BatchNorm2d } from './layers';

export function canFuseInference(bn: BatchNorm2d, xs: readonly Tensor[], weight: Tensor): boolean {
  return !bn.training && inInference() && weight.device === 'cpu' && xs.every((x) => x.device === 'cpu');
}

// relu(bn(conv(concat(xs), weight, convBias))) with bn in eval mode.
export function convBnReluInference(xs: readonly Tensor[], weight: Tensor, convBias: Tensor | null, bn: BatchNorm2d,
  stride: number, padding: number): Tensor {
  const k = weight.shape[0];
  const mean = bn.runningMean.data as Float32Array;
  const variance = bn.runningVar.data as Float32Array;
  const gamma = bn.weight.data as Float32Array;
  const beta = bn.bias.data as Float32Array;
  const b0 = convBias ? (convBias.data as Float32Array) : null;
  const { scale, shift } = foldScratch(k);
  for (let i = 0; i < k; i++) {
    const s = gamma[i] / Math.sqrt(variance[i] + bn.eps);
    scale[i] = s;
    shift[i] = beta[i] + ((b0 ? b0[i] : 0) - mean[i]) * s;
  }
  // The scale is applied to the weights as the conv packs them: no folded copy is made.
  return convScaleRelu(xs, weight, shift, scale, stride, padding);
}

// The per-channel scale and shift arrays, one pair per channel count, reused by every call:
// the conv reads them during the call only (the Winograd weight cache keys on the weights, the
// scale is applied as tiles are stored). Allocating them per call made V8 scavenge at every
// layer once 32 MB of tensors were young (it collects before a JS-allocated backing store);
// taking them from the native pool instead cost four addon calls per layer.
const scratch = new Map<number, { scale: Float32Array; shift: Float32Array }>();
function foldScratch(k: number): { scale: Float32Array; shift: Float32Array } {
  let s = scratch.get(k);
  if (!s) scratch.set(k, (s = { scale: new Float32Array(k), shift: new Float32Array(k) }));
  return s;
}
