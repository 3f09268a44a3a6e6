// The standard layers: Conv2d, BatchNorm2d, Linear, ReLU, Dropout, Sequential.
// Each forward is made only of ops (so ONNX export can trace it).
import { Tensor } from '../tensor';
import * as ops from '../ops/index';
import { Module } from './module';
import { inInference, releaseTemporary } from './temporaries';
import { convScaleRelu } from '../ops/fused-conv';
import { Rng, constant, kaimingNormal, seededRng, uniform } from './init';

// A module with one input and one output.
export abstract class Layer extends Module {
  abstract forward(x: Tensor): Tensor;
}

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  bias?: boolean;
  rng: Rng;
  initGain?: number;       // Kaiming gain; sqrt(2) (ReLU) by default
}

export class Conv2d extends Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: number;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, options: Conv2dOptions) {
    super();
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    const fanIn = inChannels * kernelSize * kernelSize;
    this.weight = this.registerParameter(
      'weight',
      kaimingNormal([outChannels, inChannels, kernelSize, kernelSize], fanIn, options.rng, options.initGain),
    );
    this.bias = options.bias === false ? null : this.registerParameter('bias', constant([outChannels], 0, true));
  }

  forward(x: Tensor): Tensor {
    return ops.conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }
}

export interface BatchNorm2dOptions {
  momentum?: number;
  eps?: number;
}

export class BatchNorm2d extends Layer {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly momentum: number;
  readonly eps: number;

  constructor(readonly numFeatures: number, options: BatchNorm2dOptions = {}) {
    super();
    this.momentum = options.momentum ?? 0.1;
    this.eps = options.eps ?? 1e-5;
    this.weight = this.registerParameter('weight', constant([numFeatures], 1, true));
    this.bias = this.registerParameter('bias', constant([numFeatures], 0, true));
    // PyTorch buffer names, so the safetensors file reads naturally in PyTorch.
    this.runningMean = this.registerBuffer('running_mean', constant([numFeatures], 0, false));
    this.runningVar = this.registerBuffer('running_var', constant([numFeatures], 1, false));
  }

  // Training mode normalises with batch statistics and updates the running buffers in place.
  forward(x: Tensor): Tensor {
    return ops.batchNorm2d(x, this.runningMean, this.runningVar, this.weight, this.bias, {
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    });
  }
}

export interface LinearOptions {
  bias?: boolean;
  rng: Rng;
  initStd?: number;        // normal(0, initStd) instead of Kaiming when given
}

export class Linear extends Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions) {
    super();
    const gain = options.initStd !== undefined ? options.initStd * Math.sqrt(inFeatures) : 1;
    this.weight = this.registerParameter('weight', kaimingNormal([outFeatures, inFeatures], inFeatures, options.rng, gain));
    this.bias = options.bias === false ? null : this.registerParameter('bias', uniform([outFeatures], 0, options.rng));
  }

  // x: (N, in) -> (N, out)
  forward(x: Tensor): Tensor {
    return ops.linear(x, this.weight, this.bias);
  }
}

export class ReLU extends Layer {
  forward(x: Tensor): Tensor {
    return ops.relu(x);
  }
}

export class Dropout extends Layer {
  private readonly rng: Rng;

  // `seed` makes the dropout masks reproducible.
  constructor(readonly p: number, seed = 0) {
    super();
    if (!(p >= 0 && p < 1)) throw new RangeError(`Expected a number from 0 to 1 (exclusive) for p but received ${p}`);
    this.rng = seededRng(seed);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return ops.dropout(x, { p: this.p, training: true, seed: Math.floor(this.rng() * 0x7fffffff) });
  }
}

export class Sequential extends Layer {
  readonly layers: Layer[];

  constructor(...layers: Layer[]) {
    super();
    this.layers = layers;
    layers.forEach((l, i) => this.registerModule(String(i), l));
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i];
      // Inference: a Conv2d followed by a ReLU runs as one fused conv (bias and ReLU applied as
      // the output is stored; the Winograd path keeps its transformed weights between calls).
      const fuse = l instanceof Conv2d && this.layers[i + 1] instanceof ReLU && canFuseConvRelu(l, y);
      const next = fuse ? convReluInference(l as Conv2d, y) : l.forward(y);
      if (fuse) i++;
      if (y !== x) releaseTemporary(y, next);
      y = next;
    }
    return y;
  }
}

function canFuseConvRelu(conv: Conv2d, x: Tensor): boolean {
  return inInference() && conv.weight.device === 'cpu' && x.device === 'cpu';
}

// One scale array of ones (and of zeros, for a conv without bias) per width, shared.
const onesOf = new Map<number, Float32Array>();
const zerosOf = new Map<number, Float32Array>();
function filled(cache: Map<number, Float32Array>, n: number, v: number): Float32Array {
  let a = cache.get(n);
  if (!a) cache.set(n, (a = new Float32Array(n).fill(v)));
  return a;
}

function convReluInference(conv: Conv2d, x: Tensor): Tensor {
  const k = conv.outChannels;
  const shift = conv.bias ? (conv.bias.data as Float32Array) : filled(zerosOf, k, 0);
  return convScaleRelu([x], conv.weight, shift, filled(onesOf, k, 1), conv.stride, conv.padding);
}
