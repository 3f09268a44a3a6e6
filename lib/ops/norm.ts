// batchNorm2d: torch.nn.functional.batch_norm over NCHW tensors. Training mode normalises with
// the batch statistics and updates the running buffers in place; eval mode uses them.
import { record } from '../autograd';
import { Tensor, allocCpu } from '../tensor';
import { traceOp } from '../trace';
import { nativeFunctions } from '../native';
import { registerKernel, getKernel } from './registry';
import {
  expectBool, expectNumber, expectOptions, expectRank, expectSameDevice, expectShape, expectTensor,
  expectTensorOrNull, fail,
} from './validate';

export interface BatchNormOptions {
  training?: boolean; // default false, as torch.nn.functional.batch_norm
  momentum?: number; // default 0.1
  eps?: number; // default 1e-5
}

interface NormKernels {
  batchNormForward(
    x: Float32Array, shape: readonly number[], weight: Float32Array | null, bias: Float32Array | null,
    runningMean: Float32Array | null, runningVar: Float32Array | null, training: boolean, momentum: number,
    eps: number, y: Float32Array, saveMean: Float32Array, saveInvStd: Float32Array, relu?: boolean,
  ): void;
  batchNormBackward(
    x: Float32Array, dy: Float32Array, shape: readonly number[], weight: Float32Array | null,
    saveMean: Float32Array, saveInvStd: Float32Array, training: boolean, dx: Float32Array | null,
    dweight: Float32Array | null, dbias: Float32Array | null,
  ): void;
}

// Statistics the forward used, kept for the backward pass.
export interface BatchNormSaved {
  mean: Tensor; // (C)
  invStd: Tensor; // (C) 1/sqrt(var + eps)
}

export type BatchNormForwardKernel = (
  x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  training: boolean, momentum: number, eps: number,
) => { y: Tensor; saved: BatchNormSaved };

export type BatchNormBackwardKernel = (
  x: Tensor, dy: Tensor, weight: Tensor | null, saved: BatchNormSaved, training: boolean,
  want: { x: boolean; weight: boolean; bias: boolean },
) => { dx: Tensor | null; dweight: Tensor | null; dbias: Tensor | null };

const cpuForwardWith = (relu: boolean): BatchNormForwardKernel => (x, runningMean, runningVar, weight, bias, training, momentum, eps) => {
  const c = x.shape[1];
  const y = new Tensor(allocCpu(x.numel, false), x.shape);
  const mean = new Tensor(allocCpu(c, false), [c]);
  const invStd = new Tensor(allocCpu(c, false), [c]);
  nativeFunctions<NormKernels>().batchNormForward(
    x.data, x.shape, weight?.data ?? null, bias?.data ?? null, runningMean?.data ?? null,
    runningVar?.data ?? null, training, momentum, eps, y.data, mean.data, invStd.data, relu,
  );
  return { y, saved: { mean, invStd } };
};
const cpuForward = cpuForwardWith(false);
// relu(batchNorm(x)) in one pass over the output (CPU only; lib/nn/blocks.ts uses it in training).
const cpuForwardRelu = cpuForwardWith(true);

const cpuBackward: BatchNormBackwardKernel = (x, dy, weight, saved, training, want) => {
  const c = x.shape[1];
  const dx = want.x ? new Tensor(allocCpu(x.numel, false), x.shape) : null;
  const dweight = want.weight ? new Tensor(allocCpu(c, false), [c]) : null;
  const dbias = want.bias ? new Tensor(allocCpu(c, false), [c]) : null;
  nativeFunctions<NormKernels>().batchNormBackward(
    x.data, dy.data, x.shape, weight?.data ?? null, saved.mean.data, saved.invStd.data, training,
    dx?.data ?? null, dweight?.data ?? null, dbias?.data ?? null,
  );
  return { dx, dweight, dbias };
};

registerKernel('batchNorm2d', 'cpu', cpuForward);
registerKernel('batchNorm2dBackward', 'cpu', cpuBackward);

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
  // The fused kernel is CPU only and not in the registry (no CUDA twin).
  const forward = relu ? cpuForwardRelu : getKernel<BatchNormForwardKernel>('batchNorm2d', device);
  const { y, saved } = forward(x, rm, rv, w, b, training, momentum, eps);
  record(y, relu ? 'batchNorm2dRelu' : 'batchNorm2d', [x, w, b], (dy) => {
    const backward = getKernel<BatchNormBackwardKernel>('batchNorm2dBackward', dy.device);
    // Through the ReLU first: dy where the output is positive, 0 elsewhere.
    const g0 = relu ? getKernel<(x: Tensor, gy: Tensor) => Tensor>('reluBackward', dy.device)(y, dy) : dy;
    const g = backward(x, g0, w, saved, training, {
      x: x.requiresGrad, weight: w?.requiresGrad ?? false, bias: b?.requiresGrad ?? false,
    });
    if (g0 !== dy) g0.dispose();
    return [g.dx, g.dweight, g.dbias];
  });
  if (relu) traceOp('batchNorm2dRelu', [x, rm, rv, w, b], [y], { training, momentum, eps });
  else traceOp('batchNorm2d', [x, rm, rv, w, b], [y], { training, momentum, eps });
  return y;
}
