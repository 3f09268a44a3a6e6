// Activations: relu and sigmoid (torch.nn.functional.relu / torch.sigmoid).
import { Tensor } from '../tensor';
import { record } from '../autograd';
import { traceOp } from '../trace';
import { nativeFunctions } from '../native';
import { registerKernel, getKernel } from './registry';
import { expectTensor } from './validate';
import { emptyCpu } from './broadcast';

interface ActivationNative {
  reluForward(x: Float32Array, y: Float32Array): void;
  reluBackward(x: Float32Array, gy: Float32Array, gx: Float32Array): void;
  sigmoidForward(x: Float32Array, y: Float32Array): void;
  sigmoidBackward(y: Float32Array, gy: Float32Array, gx: Float32Array): void;
}

type Unary = (x: Tensor) => Tensor;
// (saved, gy) -> gx; `saved` is the input for relu, the output for sigmoid.
type UnaryBackward = (saved: Tensor, gy: Tensor) => Tensor;

const native = (): ActivationNative => nativeFunctions<ActivationNative>();

registerKernel('relu', 'cpu', ((x) => {
  const y = emptyCpu(x.shape);
  native().reluForward(x.data, y.data);
  return y;
}) as Unary);

registerKernel('reluBackward', 'cpu', ((x, gy) => {
  const gx = emptyCpu(x.shape);
  native().reluBackward(x.data, gy.data, gx.data);
  return gx;
}) as UnaryBackward);

registerKernel('sigmoid', 'cpu', ((x) => {
  const y = emptyCpu(x.shape);
  native().sigmoidForward(x.data, y.data);
  return y;
}) as Unary);

registerKernel('sigmoidBackward', 'cpu', ((y, gy) => {
  const gx = emptyCpu(y.shape);
  native().sigmoidBackward(y.data, gy.data, gx.data);
  return gx;
}) as UnaryBackward);

// max(x, 0); the gradient at 0 is 0 (as torch).
export function relu(x: Tensor): Tensor {
  expectTensor(x, 'x');
  const y = getKernel<Unary>('relu', x.device)(x);
  record(y, 'relu', [x], (g) => [getKernel<UnaryBackward>('reluBackward', g.device)(x, g)]);
  traceOp('relu', [x], [y], {});
  return y;
}

// 1 / (1 + exp(-x)).
export function sigmoid(x: Tensor): Tensor {
  expectTensor(x, 'x');
  const y = getKernel<Unary>('sigmoid', x.device)(x);
  record(y, 'sigmoid', [x], (g) => [getKernel<UnaryBackward>('sigmoidBackward', g.device)(y, g)]);
  traceOp('sigmoid', [x], [y], {});
  return y;
}
