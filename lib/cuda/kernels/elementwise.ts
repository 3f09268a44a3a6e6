// CUDA twins of the elementwise, broadcast, reduce and shape kernels (lib/ops/activation.ts,
// broadcast.ts, shape.ts, dropout.ts) and of the gradient accumulation the tape uses. registerKernel
// checks each against the CPU kernel's signature (KernelSignatures, lib/registry.ts).
import { registerKernel } from '../../registry';
import { Tensor } from '../../tensor';
import { padShape } from '../../ops/cpu/broadcast';
import { blockGeometry } from '../../ops/cpu/shape';
import { cudaKernels, dev, emptyCuda } from './native';

const BINARY_CODES = { add: 0, sub: 1, mul: 2 } as const;

// Runs once, when the first op of this group loads.
function registerElementwise(): void {
  const k = cudaKernels;
  registerKernel('reluForward', 'cuda', ((x) => {
    const y = emptyCuda(x.shape);
    k().cudaReluForward(dev(x), dev(y));
    return y;
  }));
  registerKernel('reluBackward', 'cuda', ((x, gy) => {
    const gx = emptyCuda(x.shape);
    k().cudaReluBackward(dev(x), dev(gy), dev(gx));
    return gx;
  }));
  registerKernel('sigmoidForward', 'cuda', ((x) => {
    const y = emptyCuda(x.shape);
    k().cudaSigmoidForward(dev(x), dev(y));
    return y;
  }));
  registerKernel('sigmoidBackward', 'cuda', ((y, gy) => {
    const gx = emptyCuda(y.shape);
    k().cudaSigmoidBackward(dev(y), dev(gy), dev(gx));
    return gx;
  }));
  registerKernel('binaryBroadcast', 'cuda', ((op, a, b, outShape) => {
    const y = emptyCuda(outShape);
    const rank = outShape.length;
    k().cudaBinaryBroadcast(BINARY_CODES[op], dev(a), padShape(a.shape, rank), dev(b), padShape(b.shape, rank), dev(y), [...outShape]);
    return y;
  }));
  registerKernel('affineScalar', 'cuda', ((x, s, c) => {
    const y = emptyCuda(x.shape);
    k().cudaAffineScalar(dev(x), dev(y), s, c);
    return y;
  }));
  registerKernel('sumToShape', 'cuda', ((g, targetShape, scale) => {
    const y = emptyCuda(targetShape);
    k().cudaSumToShape(dev(g), [...g.shape], dev(y), padShape(targetShape, g.shape.length), scale);
    return y;
  }));
  registerKernel('broadcastTo', 'cuda', ((x, outShape, scale) => {
    const y = emptyCuda(outShape);
    k().cudaBroadcastTo(dev(x), padShape(x.shape, outShape.length), dev(y), [...outShape], scale);
    return y;
  }));
  registerKernel('dropoutMask', 'cuda', ((shape, p, seed) => {
    const mask = emptyCuda(shape);
    k().cudaDropoutMask(dev(mask), p, seed);
    return mask;
  }));
  registerKernel('reshapeForward', 'cuda', ((x, shape) => new Tensor(dev(x), shape)));

  // concat / split along `dim`: (outer, D_k, inner) blocks (the CPU kernels' blockGeometry),
  // one strided row copy per source.
  registerKernel('concatForward', 'cuda', ((xs, dim) => {
    const total = xs.reduce((s, x) => s + x.shape[dim], 0);
    const shape = xs[0].shape.map((s, i) => (i === dim ? total : s));
    const y = emptyCuda(shape);
    const { outer, inner } = blockGeometry(shape, dim);
    let offset = 0;
    for (const x of xs) {
      const row = x.shape[dim] * inner;
      k().cudaCopyRows(dev(x), 0, row, dev(y), offset, total * inner, outer, row);
      offset += row;
    }
    return y;
  }));
  registerKernel('concatBackward', 'cuda', ((g, sizes, dim) => {
    const total = g.shape[dim];
    const { outer, inner } = blockGeometry(g.shape, dim);
    let offset = 0;
    return sizes.map((size) => {
      const piece = emptyCuda(g.shape.map((s, i) => (i === dim ? size : s)));
      const row = size * inner;
      k().cudaCopyRows(dev(g), offset, total * inner, dev(piece), 0, row, outer, row);
      offset += row;
      return piece;
    });
  }));
  // The tape's gradient accumulation (autograd.addGradients): a + b, same shapes; in place
  // writes into a (each thread reads a[i], b[i] before it writes y[i]).
  registerKernel('gradAccumulate', 'cuda', ((a, b, inPlace) => {
    const y = inPlace ? a : emptyCuda(a.shape);
    k().cudaBinaryBroadcast(0, dev(a), [...a.shape], dev(b), [...b.shape], dev(y), [...a.shape]);
    return y;
  }));
}

registerElementwise();
