// CPU kernels of the losses (value and gradient in one pass) and their result type.
import { Tensor, allocCpu } from '../../tensor';
import { registerKernel } from '../../registry';
import { addon } from '../../native';

// The kernels' signatures by name, for registerKernel and getKernel (the CUDA twins are checked against them).
declare module '../../registry' {
  interface KernelSignatures {
    softmaxCrossEntropyForward: SoftmaxCrossEntropyKernel;
    bceWithLogitsForward: BceWithLogitsKernel;
    diceLossForward: DiceLossKernel;
    focalLossForward: FocalLossKernel;
    l1LossForward: L1LossKernel;
    scaleByScalar: ScaleByScalarKernel;
  }
}

// A loss kernel returns the loss value and, when asked, d loss / d input (for upstream gradient 1).
export interface LossResult {
  loss: Tensor; // shape [1]
  grad: Tensor | null;
}

// Kernel signatures (the CUDA twins in lib/cuda/kernels/loss.ts satisfy the same types).
export type SoftmaxCrossEntropyKernel = (logits: Tensor, targets: Int32Array, weight: Tensor | null, labelSmoothing: number,
  wantGrad: boolean) => LossResult;
export type BceWithLogitsKernel = (logits: Tensor, targets: Tensor, rows: number, inner: number, posWeight: Tensor | null,
  wantGrad: boolean) => LossResult;
export type DiceLossKernel = (logits: Tensor, targets: Tensor, eps: number, wantGrad: boolean) => LossResult;
export type FocalLossKernel = (logits: Tensor, targets: Tensor, alpha: number, beta: number, wantGrad: boolean) => LossResult;
export type L1LossKernel = (pred: Tensor, target: Tensor, mask: Tensor | null, wantGrad: boolean) => LossResult;
// grad * upstream (a [1] tensor): the chain rule for a scalar loss.
export type ScaleByScalarKernel = (grad: Tensor, scalar: Tensor) => Tensor;

const native = addon;

function lossResult(value: number, grad: Tensor | null): LossResult {
  const loss = new Tensor(allocCpu(1, false), [1]);
  loss.data[0] = value;
  return { loss, grad };
}

function gradLike(x: Tensor, want: boolean): Tensor | null {
  return want ? new Tensor(allocCpu(x.numel, false), x.shape) : null;
}

registerKernel('softmaxCrossEntropyForward', 'cpu',
  ((logits: Tensor, targets: Int32Array, weight: Tensor | null, labelSmoothing: number, wantGrad: boolean): LossResult => {
    const grad = gradLike(logits, wantGrad);
    const [n, k] = logits.shape;
    return lossResult(native().softmaxCrossEntropy(logits.data, n, k, targets, weight?.data ?? null, labelSmoothing, grad?.data ?? null), grad);
  }));
registerKernel('bceWithLogitsForward', 'cpu',
  ((logits: Tensor, targets: Tensor, rows: number, inner: number, posWeight: Tensor | null, wantGrad: boolean): LossResult => {
    const grad = gradLike(logits, wantGrad);
    const channels = posWeight ? posWeight.numel : 1;
    return lossResult(native().bceWithLogits(logits.data, targets.data, rows, inner, posWeight?.data ?? null, channels, grad?.data ?? null), grad);
  }));
registerKernel('diceLossForward', 'cpu', ((logits: Tensor, targets: Tensor, eps: number, wantGrad: boolean): LossResult => {
  const grad = gradLike(logits, wantGrad);
  const n = logits.shape[0];
  return lossResult(native().diceLoss(logits.data, targets.data, n, logits.numel / n, eps, grad?.data ?? null), grad);
}));
registerKernel('focalLossForward', 'cpu', ((logits: Tensor, targets: Tensor, alpha: number, beta: number, wantGrad: boolean): LossResult => {
  const grad = gradLike(logits, wantGrad);
  return lossResult(native().focalLoss(logits.data, targets.data, alpha, beta, grad?.data ?? null), grad);
}));
registerKernel('l1LossForward', 'cpu', ((pred: Tensor, target: Tensor, mask: Tensor | null, wantGrad: boolean): LossResult => {
  const grad = gradLike(pred, wantGrad);
  const withMask = mask !== null;
  const n = withMask ? pred.shape[0] : 1;
  const c = withMask ? pred.shape[1] : 1;
  const hw = pred.numel / (n * c);
  const maskChannels = withMask ? mask.shape[1] : 1;
  return lossResult(native().l1Loss(pred.data, target.data, mask?.data ?? null, n, c, hw, maskChannels, grad?.data ?? null), grad);
}) satisfies L1LossKernel);
// grad * upstream (a [1] tensor): the chain rule for a scalar loss.
registerKernel('scaleByScalar', 'cpu', ((grad: Tensor, scalar: Tensor): Tensor => {
  const s = scalar.data[0];
  if (s === 1) return grad;
  // The native broadcast multiply (threaded, vectorised): grad * scalar, scalar as [1, ..., 1].
  const out = allocCpu(grad.numel, false);
  const shape = [...grad.shape];
  native().binaryBroadcast(2, grad.data, shape, scalar.data, shape.map(() => 1), out, shape);
  return new Tensor(out, grad.shape, false, grad.device);
}));
