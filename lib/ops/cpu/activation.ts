// CPU kernels of relu and sigmoid (native/cpu/elementwise.cc), and their signatures.
import type { Tensor } from '../../tensor';
import { registerKernel } from '../../registry';
import { nativeFunctions } from '../../native';
import { emptyCpu } from './broadcast';

interface ActivationNative {
  reluForward(x: Float32Array, y: Float32Array): void;
  reluBackward(x: Float32Array, gy: Float32Array, gx: Float32Array): void;
  sigmoidForward(x: Float32Array, y: Float32Array): void;
  sigmoidBackward(y: Float32Array, gy: Float32Array, gx: Float32Array): void;
}

export type Unary = (x: Tensor) => Tensor;
// (saved, gy) -> gx; `saved` is the input for relu, the output for sigmoid.
export type UnaryBackward = (saved: Tensor, gy: Tensor) => Tensor;

const native = (): ActivationNative => nativeFunctions<ActivationNative>();

registerKernel('reluForward', 'cpu', ((x) => {
  const y = emptyCpu(x.shape);
  native().reluForward(x.data, y.data);
  return y;
}) as Unary);

registerKernel('reluBackward', 'cpu', ((x, gy) => {
  const gx = emptyCpu(x.shape);
  native().reluBackward(x.data, gy.data, gx.data);
  return gx;
}) as UnaryBackward);

registerKernel('sigmoidForward', 'cpu', ((x) => {
  const y = emptyCpu(x.shape);
  native().sigmoidForward(x.data, y.data);
  return y;
}) as Unary);

registerKernel('sigmoidBackward', 'cpu', ((y, gy) => {
  const gx = emptyCpu(y.shape);
  native().sigmoidBackward(y.data, gy.data, gx.data);
  return gx;
}) as UnaryBackward);
