// CUDA twins of the conv2d, featureTransfer and linear kernels (lib/ops/cpu/conv-kernels.ts,
// linear-kernels.ts): implicit GEMM on the tensor cores (see setCudaMatmulPrecision).
import { registerKernel } from '../../registry';
import { Tensor } from '../../tensor';
import { cudaKernels, dev, devOrNull, emptyCuda } from './native';

interface ConvGeometry {
  stride: [number, number];
  padding: [number, number];
}

const outSize = (size: number, kernel: number, stride: number, padding: number): number =>
  Math.floor((size + 2 * padding - kernel) / stride) + 1;

function outputShape(xShape: readonly number[], wShape: readonly number[], g: ConvGeometry): number[] {
  const [n, , h, w] = xShape;
  const [k, , r, s] = wShape;
  return [n, k, outSize(h, r, g.stride[0], g.padding[0]), outSize(w, s, g.stride[1], g.padding[1])];
}

function sourcesLayout(xs: readonly Tensor[]) {
  const [n, , h, w] = xs[0].shape;
  const channels = xs.map((x) => x.shape[1]);
  return { data: xs.map(dev), channels, nhw: [n, h, w], shape: [n, channels.reduce((a, c) => a + c, 0), h, w] };
}

// Runs once, when the first op of this group loads.
function registerConv(): void {
  const k = cudaKernels;
  registerKernel('conv2dForward', 'cuda', (x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry): Tensor => {
    const y = emptyCuda(outputShape(x.shape, w.shape, g));
    k().cudaConv2dForward(dev(x), [...x.shape], dev(w), [...w.shape], devOrNull(b), dev(y),
      g.stride[0], g.stride[1], g.padding[0], g.padding[1]);
    return y;
  });
  registerKernel('conv2dBackwardData', 'cuda', (dy: Tensor, w: Tensor, xShape: readonly number[], g: ConvGeometry): Tensor => {
    const dx = emptyCuda(xShape);
    k().cudaConv2dBackwardData(dev(dy), dev(w), [...w.shape], dev(dx), [...xShape],
      g.stride[0], g.stride[1], g.padding[0], g.padding[1]);
    return dx;
  });
  registerKernel('conv2dBackwardWeight', 'cuda',
    (x: Tensor, dy: Tensor, wShape: readonly number[], g: ConvGeometry, need: { weight: boolean; bias: boolean }) => {
      const dw = need.weight ? emptyCuda(wShape) : null;
      const db = need.bias ? emptyCuda([wShape[0]]) : null;
      k().cudaConv2dBackwardWeight(dev(x), [...x.shape], dev(dy), devOrNull(dw), [...wShape], devOrNull(db),
        g.stride[0], g.stride[1], g.padding[0], g.padding[1]);
      return { dw, db };
    });
  registerKernel('featureTransferForward', 'cuda', (xs: readonly Tensor[], w: Tensor, b: Tensor | null, g: ConvGeometry): Tensor => {
    const src = sourcesLayout(xs);
    const y = emptyCuda(outputShape(src.shape, w.shape, g));
    k().cudaFeatureTransferForward(src.data, src.channels, src.nhw, dev(w), [...w.shape], devOrNull(b), dev(y),
      g.stride[0], g.stride[1], g.padding[0], g.padding[1]);
    return y;
  });
  registerKernel('featureTransferBackward', 'cuda',
    (xs: readonly Tensor[], w: Tensor, dy: Tensor, g: ConvGeometry,
      need: { xs: readonly boolean[]; weight: boolean; bias: boolean }) => {
      const src = sourcesLayout(xs);
      const dxs = xs.map((x, i) => (need.xs[i] ? emptyCuda(x.shape) : null));
      const dw = need.weight ? emptyCuda(w.shape) : null;
      const db = need.bias ? emptyCuda([w.shape[0]]) : null;
      k().cudaFeatureTransferBackward(src.data, src.channels, src.nhw, dev(w), [...w.shape], dev(dy), dxs.map(devOrNull),
        devOrNull(dw), devOrNull(db), g.stride[0], g.stride[1], g.padding[0], g.padding[1]);
      return { dxs, dw, db };
    });
  registerKernel('linearForward', 'cuda', (x: Tensor, w: Tensor, b: Tensor | null): Tensor => {
    const [n, inF] = x.shape;
    const outF = w.shape[0];
    const y = emptyCuda([n, outF]);
    k().cudaLinearForward(dev(x), dev(w), devOrNull(b), dev(y), n, inF, outF);
    return y;
  });
  registerKernel('linearBackward', 'cuda',
    (x: Tensor, w: Tensor, dy: Tensor, need: { x: boolean; weight: boolean; bias: boolean }) => {
      const [n, inF] = x.shape;
      const outF = w.shape[0];
      const dx = need.x ? emptyCuda(x.shape) : null;
      const dw = need.weight ? emptyCuda(w.shape) : null;
      const db = need.bias ? emptyCuda([outF]) : null;
      k().cudaLinearBackward(dev(x), dev(w), dev(dy), devOrNull(dx), devOrNull(dw), devOrNull(db), n, inF, outF);
      return { dx, dw, db };
    });
}

registerConv();
