// featureTransfer(xs, weight, bias, { stride, padding }) == conv2d(concat(xs, 1), weight, bias)
// without building the concatenation (FTMTLNet's feature-transfer join). xs[i]: (N,C_i,H,W),
// weight: (K, sum C_i, R, S), bias: (K) or null -> (N,K,P,Q). Traced inputs: [...xs, weight, bias].
import { Tensor } from '../tensor';
import { record } from '../autograd';
import { traceOp } from '../trace';
import { getKernel } from '../registry';
import { describe, fail } from '../errors';
import { expectRank, expectSameDevice, expectShape, expectTensor, expectTensorOrNull } from './check';
import { ConvOptions, resolveConvOptions } from './conv-options';
import { expectKernelFits } from './conv';
import './cpu/conv';
import './cpu/broadcast'; // the tape's gradAccumulate, which sums this op's gradients
import './feature-transfer.grad';
import '../cuda/kernels/conv';

export function featureTransfer(xs: readonly Tensor[], weight: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) fail('type', 'a non-empty array of tensors', 'xs', describe(xs));
  xs.forEach((x, i) => {
    expectTensor(x, `xs[${i}]`);
    expectRank(x, 4, `xs[${i}]`);
  });
  expectTensor(weight, 'weight');
  const b = expectTensorOrNull(bias, 'bias');
  expectRank(weight, 4, 'weight');
  const [n, , h, w] = xs[0].shape;
  xs.forEach((x, i) => {
    if (x.shape[0] !== n || x.shape[2] !== h || x.shape[3] !== w) {
      fail('range', `shape [${n}, C, ${h}, ${w}] (the batch and size of xs[0])`, `xs[${i}]`, `shape [${x.shape.join(', ')}]`);
    }
  });
  const channels = xs.reduce((sum, x) => sum + x.shape[1], 0);
  if (weight.shape[1] !== channels) {
    fail('range', `a weight with ${channels} input channels (the channels of all xs)`, 'weight', `shape [${weight.shape.join(', ')}]`);
  }
  if (b) expectShape(b, [weight.shape[0]], 'bias');
  const tensors: Record<string, Tensor | null> = {};
  xs.forEach((x, i) => (tensors[`xs[${i}]`] = x));
  tensors.weight = weight;
  tensors.bias = b;
  const device = expectSameDevice(tensors) as Tensor['device'];
  const g = resolveConvOptions(options);
  expectKernelFits([n, channels, h, w], weight, g, 'xs');

  const sources = [...xs];
  const y = getKernel('featureTransferForward', device)(sources, weight, b, g);
  record(y, 'featureTransfer', [...sources, weight, b], { xs: sources, weight, bias: b, geometry: g });
  traceOp('featureTransfer', [...sources, weight, b], [y], { stride: g.stride, padding: g.padding });
  return y;
}
