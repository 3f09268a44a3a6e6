// CPU kernels of relu and sigmoid (native/cpu/elementwise.cc), and their signatures.
import type { Tensor } from '../../tensor';
import { registerKernel } from '../../registry';
import { addon } from '../../native';
import { emptyCpu } from './broadcast';

// The kernels' signatures by name, for registerKernel and getKernel (the CUDA twins are checked against them).
declare module '../../registry' {
  interface KernelSignatures {
    reluForward: Unary;
    reluBackward: UnaryBackward;
    sigmoidForward: Unary;
    sigmoidBackward: UnaryBackward;
  }
}

export type Unary = (x: Tensor) => Tensor;
// (saved, gy) -> gx; `saved` is the input for relu, the output for sigmoid.
export type UnaryBackward = (saved: Tensor, gy: Tensor) => Tensor;

const native = addon;

registerKernel('reluForward', 'cpu', ((x) => {
  const y = emptyCpu(x.shape);
  native().reluForward(x.data, y.data);
  return y;
}));

registerKernel('reluBackward', 'cpu', ((x, gy) => {
  const gx = emptyCpu(x.shape);
  native().reluBackward(x.data, gy.data, gx.data);
  return gx;
}));

registerKernel('sigmoidForward', 'cpu', ((x) => {
  const y = emptyCpu(x.shape);
  native().sigmoidForward(x.data, y.data);
  return y;
}));

registerKernel('sigmoidBackward', 'cpu', ((y, gy) => {
  const gx = emptyCpu(y.shape);
  native().sigmoidBackward(y.data, gy.data, gx.data);
  return gx;
}));
