// CUDA twins of the conv2d, featureTransfer and linear kernels (lib/ops/cpu/conv.ts,
// lib/ops/cpu/linear.ts), typed by the CPU kernels' signatures and sharing their geometry
// (lib/ops/cpu/conv-geometry.ts): implicit GEMM on the tensor cores (see setCudaMatmulPrecision).
import { registerKernel } from '../../registry';
import { convOutputShape, sourcesLayout } from '../../ops/cpu/conv-geometry';
import type {
  Conv2dBackwardDataKernel, Conv2dBackwardWeightKernel, Conv2dForwardKernel, FeatureTransferBackwardKernel,
  FeatureTransferForwardKernel,
} from '../../ops/cpu/conv';
import type { LinearBackwardKernel, LinearForwardKernel } from '../../ops/cpu/linear';
import { cudaKernels, dev, devOrNull, emptyCuda } from './native';

// Runs once, when the first op of this group loads.
function registerConv(): void {
  const k = cudaKernels;
  const conv2dForward: Conv2dForwardKernel = (x, w, b, g) => {
    const y = emptyCuda(convOutputShape(x.shape, w.shape, g));
    k().cudaConv2dForward(dev(x), [...x.shape], dev(w), [...w.shape], devOrNull(b), dev(y),
      g.stride[0], g.stride[1], g.padding[0], g.padding[1]);
    return y;
  };
  const conv2dBackwardData: Conv2dBackwardDataKernel = (dy, w, xShape, g) => {
    const dx = emptyCuda(xShape);
    k().cudaConv2dBackwardData(dev(dy), dev(w), [...w.shape], dev(dx), [...xShape],
      g.stride[0], g.stride[1], g.padding[0], g.padding[1]);
    return dx;
  };
  const conv2dBackwardWeight: Conv2dBackwardWeightKernel = (x, dy, wShape, g, need) => {
    const dw = need.weight ? emptyCuda(wShape) : null;
    const db = need.bias ? emptyCuda([wShape[0]]) : null;
    k().cudaConv2dBackwardWeight(dev(x), [...x.shape], dev(dy), devOrNull(dw), [...wShape], devOrNull(db),
      g.stride[0], g.stride[1], g.padding[0], g.padding[1]);
    return { dw, db };
  };
  const featureTransferForward: FeatureTransferForwardKernel = (xs, w, b, g) => {
    const src = sourcesLayout(xs, dev);
    const y = emptyCuda(convOutputShape(src.shape, w.shape, g));
    k().cudaFeatureTransferForward(src.data, src.channels, src.nhw, dev(w), [...w.shape], devOrNull(b), dev(y),
      g.stride[0], g.stride[1], g.padding[0], g.padding[1]);
    return y;
  };
  const featureTransferBackward: FeatureTransferBackwardKernel = (xs, w, dy, g, need) => {
    const src = sourcesLayout(xs, dev);
    const dxs = xs.map((x, i) => (need.xs[i] ? emptyCuda(x.shape) : null));
    const dw = need.weight ? emptyCuda(w.shape) : null;
    const db = need.bias ? emptyCuda([w.shape[0]]) : null;
    k().cudaFeatureTransferBackward(src.data, src.channels, src.nhw, dev(w), [...w.shape], dev(dy), dxs.map(devOrNull),
      devOrNull(dw), devOrNull(db), g.stride[0], g.stride[1], g.padding[0], g.padding[1]);
    return { dxs, dw, db };
  };
  const linearForward: LinearForwardKernel = (x, w, b) => {
    const [n, inF] = x.shape;
    const outF = w.shape[0];
    const y = emptyCuda([n, outF]);
    k().cudaLinearForward(dev(x), dev(w), devOrNull(b), dev(y), n, inF, outF);
    return y;
  };
  const linearBackward: LinearBackwardKernel = (x, w, dy, need) => {
    const [n, inF] = x.shape;
    const outF = w.shape[0];
    const dx = need.x ? emptyCuda(x.shape) : null;
    const dw = need.weight ? emptyCuda(w.shape) : null;
    const db = need.bias ? emptyCuda([outF]) : null;
    k().cudaLinearBackward(dev(x), dev(w), dev(dy), devOrNull(dx), devOrNull(dw), devOrNull(db), n, inF, outF);
    return { dx, dw, db };
  };
  registerKernel('conv2dForward', 'cuda', conv2dForward);
  registerKernel('conv2dBackwardData', 'cuda', conv2dBackwardData);
  registerKernel('conv2dBackwardWeight', 'cuda', conv2dBackwardWeight);
  registerKernel('featureTransferForward', 'cuda', featureTransferForward);
  registerKernel('featureTransferBackward', 'cuda', featureTransferBackward);
  registerKernel('linearForward', 'cuda', linearForward);
  registerKernel('linearBackward', 'cuda', linearBackward);
}

registerConv();
