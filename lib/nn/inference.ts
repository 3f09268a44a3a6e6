// Inference helpers. Fusion: for conv -> BatchNorm (eval) -> ReLU, the normalisation is folded into the
// convolution's weights and bias, and the ReLU is applied as each output tile is stored, so the
// three ops make one pass over the output instead of five. Same math up to float rounding
// (onnxruntime folds the same way). Used only where nothing can tell the difference: eval
// mode, no gradient tape, no tracer (ONNX export sees the plain ops), tensors on the CPU.
import { Tensor, isGradEnabled } from '../tensor';
import { isTracing } from '../trace';
import { resolveConvOptions } from '../ops/conv-options';
import { convReluForwardCpu } from '../ops/cpu/conv-kernels';
import type { BatchNorm2d } from './layers';

// No tape and no tracer: nothing can hold on to a forward pass's temporaries.
export function inInference(): boolean {
  return !isGradEnabled() && !isTracing();
}

// Frees a temporary of an inference forward pass as soon as it is consumed, so the next op
// reuses its (cache-warm) buffer and memory never piles up until V8 collects: with a tape or a
// tracer active nothing is freed. `keep` lists tensors that may be the same object (inputs,
// results) and must survive.
export function releaseTemporary(t: Tensor, ...keep: Tensor[]): void {
  if (inInference() && !keep.includes(t)) t.dispose();
}

export function canFuseInference(bn: BatchNorm2d, xs: readonly Tensor[], weight: Tensor): boolean {
  return !bn.training && !isGradEnabled() && !isTracing() && weight.device === 'cpu' && xs.every((x) => x.device === 'cpu');
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
  const scale = new Float32Array(k);
  const shift = new Float32Array(k);
  for (let i = 0; i < k; i++) {
    const s = gamma[i] / Math.sqrt(variance[i] + bn.eps);
    scale[i] = s;
    shift[i] = beta[i] + ((b0 ? b0[i] : 0) - mean[i]) * s;
  }
  // The scale is applied to the weights as the conv packs them: no folded copy is made.
  return convReluForwardCpu(xs, weight, shift, resolveConvOptions({ stride, padding }), scale);
}
