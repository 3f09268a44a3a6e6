// batchNorm2d: torch.nn.functional.batch_norm over NCHW tensors. Training mode normalises with
// the batch statistics and updates the running buffers in place; eval mode uses them.
import { record } from '../autograd';
import { Tensor } from '../tensor';
import { traceOp } from '../trace';
import { getKernel } from '../registry';
import { expectBool, expectNumber, expectOptions, fail } from '../errors';
import { expectRank, expectSameDevice, expectShape, expectTensor, expectTensorOrNull } from './check';
import './cpu/norm';
import './norm.grad';
import '../cuda/kernels/layers';

export type { BatchNormBackwardKernel, BatchNormForwardKernel, BatchNormSaved } from './cpu/norm';

export interface BatchNormOptions {
  training?: boolean; // default false, as torch.nn.functional.batch_norm
  momentum?: number; // default 0.1
  eps?: number; // default 1e-5
}

// x: (N,C,H,W); runningMean, runningVar, weight, bias: (C) or null -> (N,C,H,W).
// The running buffers may be null only in training mode (then they are not updated).
export function batchNorm2d(
  x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  options?: BatchNormOptions,
): Tensor {
  return batchNorm2dImpl(x, runningMean, runningVar, weight, bias, options, false);
}

// relu(batchNorm2d(...)) with the ReLU applied in the normalising pass and its mask applied to
// the incoming gradient: one pass over the activation less each way. For the CPU blocks of
// lib/nn/blocks.ts in training; tracers see batchNorm2d and relu (never called under one).
export function batchNorm2dRelu(
  x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  options?: BatchNormOptions,
): Tensor {
  return batchNorm2dImpl(x, runningMean, runningVar, weight, bias, options, true);
}

function batchNorm2dImpl(
  x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  options: BatchNormOptions | undefined, relu: boolean,
): Tensor {
  expectRank(expectTensor(x, 'x'), 4, 'x');
  const c = x.shape[1];
  const opts = expectOptions<BatchNormOptions>(options, 'options');
  const training = expectBool(opts.training ?? false, 'options.training');
  const momentum = expectNumber(opts.momentum ?? 0.1, 'options.momentum', 0, 1);
  const eps = expectNumber(opts.eps ?? 1e-5, 'options.eps', 0);
  const rm = expectTensorOrNull(runningMean, 'runningMean');
  const rv = expectTensorOrNull(runningVar, 'runningVar');
  const w = expectTensorOrNull(weight, 'weight');
  const b = expectTensorOrNull(bias, 'bias');
  for (const [t, name] of [[rm, 'runningMean'], [rv, 'runningVar'], [w, 'weight'], [b, 'bias']] as const) {
    if (t) expectShape(t, [c], name);
  }
  if (!training) {
    if (!rm) fail('type', 'a Tensor (eval mode normalises with the running statistics)', 'runningMean', 'null');
    if (!rv) fail('type', 'a Tensor (eval mode normalises with the running statistics)', 'runningVar', 'null');
  } else if ((rm === null) !== (rv === null)) {
    fail('type', `a Tensor (runningMean and runningVar are given together)`, rm ? 'runningVar' : 'runningMean', 'null');
  }
  if (training && x.shape[0] * x.shape[2] * x.shape[3] < 2) {
    fail('range', 'more than 1 value per channel in training mode', 'x', `shape [${x.shape.join(', ')}]`);
  }
  const device = expectSameDevice({ x, runningMean: rm, runningVar: rv, weight: w, bias: b }) as Tensor['device'];

  if (relu && device !== 'cpu') fail('type', 'cpu tensors (the fused BN-ReLU is CPU only)', 'x', `a tensor on ${device}`);
  // The fused kernel is CPU only (no CUDA twin: the CPU-only list of test/cuda-device.test.ts).
  const forward = getKernel(relu ? 'batchNorm2dReluForward' : 'batchNorm2dForward', device);
  const { y, saved } = forward(x, rm, rv, w, b, training, momentum, eps);
  const normSaved = { x, weight: w, bias: b, stats: saved, training };
  if (relu) record(y, 'batchNorm2dRelu', [x, w, b], { ...normSaved, y });
  else record(y, 'batchNorm2d', [x, w, b], normSaved);
  if (relu) traceOp('batchNorm2dRelu', [x, rm, rv, w, b], [y], { training, momentum, eps });
  else traceOp('batchNorm2d', [x, rm, rv, w, b], [y], { training, momentum, eps });
  return y;
}
