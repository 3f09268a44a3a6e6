// CPU kernels of batch normalisation (and the CPU-only fused BN-ReLU forward), their saved
// statistics and signatures.
import { Tensor, allocCpu } from '../../tensor';
import { registerKernel } from '../../registry';
import { addon } from '../../native';

// The kernels' signatures by name, for registerKernel and getKernel (the CUDA twins are checked against them).
declare module '../../registry' {
  interface KernelSignatures {
    batchNorm2dForward: BatchNormForwardKernel;
    batchNorm2dBackward: BatchNormBackwardKernel;
    batchNorm2dReluForward: BatchNormForwardKernel;
    batchNorm2dReluBackward: BatchNormReluBackwardKernel;
  }
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
  addon().batchNormForward(
    x.data, x.shape, weight?.data ?? null, bias?.data ?? null, runningMean?.data ?? null,
    runningVar?.data ?? null, training, momentum, eps, y.data, mean.data, invStd.data, relu,
  );
  return { y, saved: { mean, invStd } };
};
const cpuForward = cpuForwardWith(false);
// relu(batchNorm(x)) in one pass over the output (CPU only, no CUDA twin; lib/nn/blocks.ts
// uses it in training through batchNorm2d's fused path).
const cpuForwardRelu = cpuForwardWith(true);

// The backward of relu(batchNorm(x)) given the forward's bias too (the ReLU's sign is
// recomputed from x, weight and bias; lib/ops/norm.grad.ts).
export type BatchNormReluBackwardKernel = (
  x: Tensor, dy: Tensor, weight: Tensor | null, bias: Tensor | null, saved: BatchNormSaved, training: boolean,
  want: { x: boolean; weight: boolean; bias: boolean },
) => { dx: Tensor | null; dweight: Tensor | null; dbias: Tensor | null };

const cpuBackwardWith = (x: Tensor, dy: Tensor, weight: Tensor | null, bias: Tensor | null, relu: boolean,
  saved: BatchNormSaved, training: boolean, want: { x: boolean; weight: boolean; bias: boolean }) => {
  const c = x.shape[1];
  const dx = want.x ? new Tensor(allocCpu(x.numel, false), x.shape) : null;
  const dweight = want.weight ? new Tensor(allocCpu(c, false), [c]) : null;
  const dbias = want.bias ? new Tensor(allocCpu(c, false), [c]) : null;
  addon().batchNormBackward(
    x.data, dy.data, x.shape, weight?.data ?? null, saved.mean.data, saved.invStd.data, training,
    dx?.data ?? null, dweight?.data ?? null, dbias?.data ?? null, relu, bias?.data ?? null,
  );
  return { dx, dweight, dbias };
};
const cpuBackward: BatchNormBackwardKernel = (x, dy, weight, saved, training, want) =>
  cpuBackwardWith(x, dy, weight, null, false, saved, training, want);
// The fused BN-ReLU's backward in the same two passes as batchNorm2d's: no reluBackward pass
// (CPU only, like the fused forward).
const cpuBackwardRelu: BatchNormReluBackwardKernel = (x, dy, weight, bias, saved, training, want) =>
  cpuBackwardWith(x, dy, weight, bias, true, saved, training, want);

registerKernel('batchNorm2dForward', 'cpu', cpuForward);
registerKernel('batchNorm2dBackward', 'cpu', cpuBackward);
registerKernel('batchNorm2dReluForward', 'cpu', cpuForwardRelu);
registerKernel('batchNorm2dReluBackward', 'cpu', cpuBackwardRelu);
