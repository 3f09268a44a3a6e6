// CPU kernels for conv2d and featureTransfer (native/cpu/conv.cc), registered by name so a
// CUDA backend can register twins with the same signatures.
import { allocCpu, Tensor } from '../../tensor';
import { addon } from '../../native';
import { registerKernel } from '../../registry';
import { convOutputShape, sourcesLayout, type ConvGeometry } from './conv-geometry';

// The kernels' signatures by name, for registerKernel and getKernel (the CUDA twins are checked against them).
declare module '../../registry' {
  interface KernelSignatures {
    conv2dForward: Conv2dForwardKernel;
    conv2dBackwardData: Conv2dBackwardDataKernel;
    conv2dBackwardWeight: Conv2dBackwardWeightKernel;
    featureTransferForward: FeatureTransferForwardKernel;
    featureTransferBackward: FeatureTransferBackwardKernel;
    convScaleReluForward: ConvScaleReluForwardKernel;
  }
}

export type Conv2dForwardKernel = (x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry) => Tensor;
export type Conv2dBackwardDataKernel = (dy: Tensor, w: Tensor, xShape: readonly number[], g: ConvGeometry) => Tensor;
export type Conv2dBackwardWeightKernel = (x: Tensor, dy: Tensor, wShape: readonly number[], g: ConvGeometry,
  need: { weight: boolean; bias: boolean }) => { dw: Tensor | null; db: Tensor | null };
export type FeatureTransferForwardKernel = (xs: readonly Tensor[], w: Tensor, b: Tensor | null, g: ConvGeometry) => Tensor;
export type FeatureTransferBackwardKernel = (xs: readonly Tensor[], w: Tensor, dy: Tensor, g: ConvGeometry,
  need: { xs: readonly boolean[]; weight: boolean; bias: boolean }) =>
  { dxs: (Tensor | null)[]; dw: Tensor | null; db: Tensor | null };

const native = addon;

const conv2dForward: Conv2dForwardKernel = (x, w, b, g) => convForwardCpu([x], w, b ? b.data : null, g, false, null);

const conv2dBackwardData: Conv2dBackwardDataKernel = (dy, w, xShape, g) => {
  const dx = allocCpu(xShape.reduce((p, s) => p * s, 1), false);
  native().conv2dBackwardData(dy.data, w.data, [...w.shape], dx, [...xShape],
    g.stride[0], g.stride[1], g.padding[0], g.padding[1]);
  return new Tensor(dx, xShape);
};

const conv2dBackwardWeight: Conv2dBackwardWeightKernel = (x, dy, wShape, g, need) => {
  const dw = need.weight ? allocCpu(wShape.reduce((p, s) => p * s, 1), false) : null;
  const db = need.bias ? allocCpu(wShape[0], false) : null;
  native().conv2dBackwardWeight(x.data, [...x.shape], dy.data, dw, [...wShape], db,
    g.stride[0], g.stride[1], g.padding[0], g.padding[1]);
  return { dw: dw ? new Tensor(dw, wShape) : null, db: db ? new Tensor(db, [wShape[0]]) : null };
};

const featureTransferForward: FeatureTransferForwardKernel = (xs, w, b, g) =>
  convForwardCpu(xs, w, b ? b.data : null, g, false, null);

// conv(concat(xs), w) + b (one source: conv2d), optionally with the weights of output channel
// k scaled by rowScale[k] as they are packed and a ReLU applied as each output tile is stored.
function convForwardCpu(xs: readonly Tensor[], w: Tensor, b: Float32Array | null, g: ConvGeometry, relu: boolean,
  rowScale: Float32Array | null): Tensor {
  const src = sourcesLayout(xs, (x) => x.data);
  const shape = convOutputShape(src.shape, w.shape, g);
  const y = allocCpu(shape[0] * shape[1] * shape[2] * shape[3], false);
  if (xs.length === 1) {
    native().conv2dForward(xs[0].data, [...xs[0].shape], w.data, [...w.shape], b, y,
      g.stride[0], g.stride[1], g.padding[0], g.padding[1], relu, rowScale);
  } else {
    native().featureTransferForward(src.data, src.channels, src.nhw, w.data, [...w.shape], b, y,
      g.stride[0], g.stride[1], g.padding[0], g.padding[1], relu, rowScale);
  }
  return new Tensor(y, shape);
}

// relu(conv(concat(xs), w * rowScale[k]) + b) in one pass over the output. CPU only, no tape:
// the fused inference blocks (lib/nn/fold-bn.ts through lib/ops/fused-conv.ts).
export type ConvScaleReluForwardKernel = (xs: readonly Tensor[], w: Tensor, b: Float32Array | null, g: ConvGeometry,
  rowScale: Float32Array | null) => Tensor;

function convScaleReluForward(xs: readonly Tensor[], w: Tensor, b: Float32Array | null, g: ConvGeometry,
  rowScale: Float32Array | null = null): Tensor {
  return convForwardCpu(xs, w, b, g, true, rowScale);
}

const featureTransferBackward: FeatureTransferBackwardKernel = (xs, w, dy, g, need) => {
  const src = sourcesLayout(xs, (x) => x.data);
  const dxs = xs.map((x, i) => (need.xs[i] ? allocCpu(x.numel, false) : null));
  const dw = need.weight ? allocCpu(w.numel, false) : null;
  const db = need.bias ? allocCpu(w.shape[0], false) : null;
  native().featureTransferBackward(src.data, src.channels, src.nhw, w.data, [...w.shape], dy.data, dxs, dw, db,
    g.stride[0], g.stride[1], g.padding[0], g.padding[1]);
  return {
    dxs: dxs.map((d, i) => (d ? new Tensor(d, xs[i].shape) : null)),
    dw: dw ? new Tensor(dw, w.shape) : null,
    db: db ? new Tensor(db, [w.shape[0]]) : null,
  };
};

registerKernel('conv2dForward', 'cpu', conv2dForward);
registerKernel('conv2dBackwardData', 'cpu', conv2dBackwardData);
registerKernel('conv2dBackwardWeight', 'cpu', conv2dBackwardWeight);
registerKernel('featureTransferForward', 'cpu', featureTransferForward);
registerKernel('featureTransferBackward', 'cpu', featureTransferBackward);
registerKernel('convScaleReluForward', 'cpu', convScaleReluForward);
