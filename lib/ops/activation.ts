// Activations: relu and sigmoid (torch.nn.functional.relu / torch.sigmoid).
import { Tensor } from '../tensor';
import { record } from '../autograd';
import { traceOp } from '../trace';
import { getKernel } from '../registry';
import { expectTensor } from './check';
import './cpu/activation';
import './activation.grad';
import '../cuda/kernels/elementwise';

// max(x, 0); the gradient at 0 is 0 (as torch).
export function relu(x: Tensor): Tensor {
  expectTensor(x, 'x');
  const y = getKernel('reluForward', x.device)(x);
  record(y, 'relu', [x], { x });
  traceOp('relu', [x], [y], {});
  return y;
}

// 1 / (1 + exp(-x)).
export function sigmoid(x: Tensor): Tensor {
  expectTensor(x, 'x');
  const y = getKernel('sigmoidForward', x.device)(x);
  record(y, 'sigmoid', [x], { y });
  traceOp('sigmoid', [x], [y], {});
  return y;
}
