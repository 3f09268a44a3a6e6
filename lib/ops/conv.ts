// conv2d(x, weight, bias, { stride, padding }): torch.nn.functional.conv2d with groups = 1.
// x: (N,C,H,W), weight: (K,C,R,S), bias: (K) or null -> (N,K,P,Q).
import type { Tensor } from '../tensor';
import { record } from '../autograd';
import { traceOp } from '../trace';
import { getKernel } from '../registry';
import { fail } from '../errors';
import { expectRank, expectSameDevice, expectShape, expectTensor, expectTensorOrNull } from './check';
import { ConvGeometry, ConvOptions, resolveConvOptions } from './conv-options';
import './cpu/conv';
import './cpu/broadcast'; // the tape's gradAccumulate, which sums this op's gradients
import './conv.grad';
import '../cuda/kernels/conv';

// Checks that the kernel fits the padded input (shared with featureTransfer).
export function expectKernelFits(inputShape: readonly number[], weight: Tensor, g: ConvGeometry, inputName: string): void {
  const [, , h, w] = inputShape;
  const [, , r, s] = weight.shape;
  const ph = h + 2 * g.padding[0];
  const pw = w + 2 * g.padding[1];
  if (r > ph || s > pw) {
    fail('range', `a kernel no larger than the padded input ${ph}x${pw} of ${inputName}`, 'weight', `shape [${weight.shape.join(', ')}]`);
  }
}

export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  expectTensor(x, 'x');
  expectTensor(weight, 'weight');
  const b = expectTensorOrNull(bias, 'bias');
  expectRank(x, 4, 'x');
  expectRank(weight, 4, 'weight');
  const [k, c] = weight.shape;
  if (c !== x.shape[1]) {
    fail('range', `a weight with ${x.shape[1]} input channels (the channels of x)`, 'weight', `shape [${weight.shape.join(', ')}]`);
  }
  if (b) expectShape(b, [k], 'bias');
  const device = expectSameDevice({ x, weight, bias: b }) as Tensor['device'];
  const g = resolveConvOptions(options);
  expectKernelFits(x.shape, weight, g, 'x');

  const y = getKernel('conv2dForward', device)(x, weight, b, g);
  record(y, 'conv2d', [x, weight, b], { x, weight, bias: b, geometry: g });
  traceOp('conv2d', [x, weight, b], [y], { stride: g.stride, padding: g.padding });
  return y;
}
