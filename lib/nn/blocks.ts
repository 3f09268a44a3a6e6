// Composite blocks of FTMTLNet: conv-BN-ReLU and the feature-transfer block
// FT(a, b, ...) = ReLU(BN(conv(concat(a, b, ...)))), computed by the fused ops.featureTransfer.
import { Tensor } from '../tensor';
import * as ops from '../ops/index';
import { Module } from './module';
import { BatchNorm2d, Conv2d, Layer } from './layers';
import { Rng, kaimingNormal } from './init';
import { canFuseInference, convBnReluInference } from './fold-bn';
import { batchNorm2dRelu } from '../ops/norm';
import { isTracing } from '../trace';

// relu(bn(y)), as one fused pass on the CPU (training, or eval with the tape on); a tracer
// (ONNX export) sees the two ops.
function bnRelu(bn: BatchNorm2d, y: Tensor): Tensor {
  if (isTracing() || y.device !== 'cpu') return ops.relu(bn.forward(y));
  return batchNorm2dRelu(y, bn.runningMean, bn.runningVar, bn.weight, bn.bias, {
    training: bn.training,
    momentum: bn.momentum,
    eps: bn.eps,
  });
}

export interface BlockOptions {
  kernelSize?: number;   // 3 by default
  stride?: number;       // 1 by default
  rng: Rng;
}

// conv(k x k, no bias) -> BN -> ReLU, "same" padding.
export class ConvBnRelu extends Layer {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;

  constructor(inChannels: number, outChannels: number, options: BlockOptions) {
    super();
    const k = options.kernelSize ?? 3;
    this.conv = this.registerModule(
      'conv',
      new Conv2d(inChannels, outChannels, k, { stride: options.stride ?? 1, padding: (k - 1) >> 1, bias: false, rng: options.rng }),
    );
    this.bn = this.registerModule('bn', new BatchNorm2d(outChannels));
  }

  forward(x: Tensor): Tensor {
    if (canFuseInference(this.bn, [x], this.conv.weight)) {
      return convBnReluInference([x], this.conv.weight, this.conv.bias, this.bn, this.conv.stride, this.conv.padding);
    }
    return bnRelu(this.bn, this.conv.forward(x));
  }
}

// The feature-transfer block: one convolution over the channel-concatenation of its sources
// (never materialised), then BN and ReLU. With one source it is a plain conv-BN-ReLU.
export class FeatureTransfer extends Module {
  readonly weight: Tensor;
  readonly bn: BatchNorm2d;
  readonly kernelSize: number;
  readonly stride: number;
  readonly outChannels: number;

  constructor(readonly inChannels: readonly number[], outChannels: number, options: BlockOptions) {
    super();
    if (inChannels.length === 0) throw new RangeError('Expected at least one source for FeatureTransfer but received none');
    this.kernelSize = options.kernelSize ?? 3;
    this.stride = options.stride ?? 1;
    this.outChannels = outChannels;
    const cin = inChannels.reduce((a, b) => a + b, 0);
    const k = this.kernelSize;
    this.weight = this.registerParameter('weight', kaimingNormal([outChannels, cin, k, k], cin * k * k, options.rng));
    this.bn = this.registerModule('bn', new BatchNorm2d(outChannels));
  }

  // xs: the sources, each (N, inChannels[i], H, W), in the order given at construction.
  forward(xs: readonly Tensor[]): Tensor {
    if (xs.length !== this.inChannels.length) {
      throw new RangeError(`Expected ${this.inChannels.length} sources for FeatureTransfer but received ${xs.length}`);
    }
    const pad = (this.kernelSize - 1) >> 1;
    if (canFuseInference(this.bn, xs, this.weight)) return convBnReluInference(xs, this.weight, null, this.bn, this.stride, pad);
    const y = xs.length === 1
      ? ops.conv2d(xs[0], this.weight, null, { stride: this.stride, padding: pad })
      : ops.featureTransfer(xs, this.weight, null, { stride: this.stride, padding: pad });
    return bnRelu(this.bn, y);
  }
}
