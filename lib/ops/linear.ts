// linear(x, weight, bias): torch.nn.functional.linear. x: (N,in), weight: (out,in),
// bias: (out) or null -> (N,out) = x weight^T + bias.
import type { Tensor } from '../tensor';
import { record } from '../autograd';
import { traceOp } from '../trace';
import { getKernel } from '../registry';
import { fail } from '../errors';
import { expectRank, expectSameDevice, expectShape, expectTensor, expectTensorOrNull } from './check';
import './cpu/linear';
import './cpu/broadcast'; // the tape's gradAccumulate, which sums this op's gradients
import './linear.grad';
import '../cuda/kernels/conv';

export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  expectTensor(x, 'x');
  expectTensor(weight, 'weight');
  const b = expectTensorOrNull(bias, 'bias');
  expectRank(x, 2, 'x');
  expectRank(weight, 2, 'weight');
  if (weight.shape[1] !== x.shape[1]) {
    fail('range', `a weight with ${x.shape[1]} input features (the features of x)`, 'weight', `shape [${weight.shape.join(', ')}]`);
  }
  if (b) expectShape(b, [weight.shape[0]], 'bias');
  const device = expectSameDevice({ x, weight, bias: b }) as Tensor['device'];

  const y = getKernel('linearForward', device)(x, weight, b);
  record(y, 'linear', [x, weight, b], { x, weight, bias: b });
  traceOp('linear', [x, weight, b], [y], {});
  return y;
}
