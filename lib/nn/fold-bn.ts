// Inference fusion: for conv -> BatchNorm (eval) -> ReLU, the normalisation is folded into the
// convolution's weights and bias, and the ReLU is applied as each output tile is stored, so the
// three ops make one pass over the output instead of five. Same math up to float rounding
// (onnxruntime folds the same way). Used only where nothing can tell the difference: eval
// mode, no gradient tape, no tracer (ONNX export sees the plain ops), tensors on the CPU.
import type { Tensor } from '../tensor';
import { convScaleRelu } from '../ops/fused-conv';
import { inInference } from './temporaries';
import { allocCpu, releaseCpu } from '../storage';
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
  const scale = allocCpu(k, false);
  const shift = allocCpu(k, false);
  for (let i = 0; i < k; i++) {
    const s = gamma[i] / Math.sqrt(variance[i] + bn.eps);
    scale[i] = s;
    shift[i] = beta[i] + ((b0 ? b0[i] : 0) - mean[i]) * s;
  }
  // The scale is applied to the weights as the conv packs them: no folded copy is made.
  try {
    return convScaleRelu(xs, weight, shift, scale, stride, padding);
  } finally {
    releaseCpu(scale);
    releaseCpu(shift);
  }
}
