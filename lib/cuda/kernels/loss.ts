// CUDA twins of the loss kernels (lib/ops/cpu/losses.ts, same signature types). The loss stays on the device as a [1]
// tensor; only reading it (item(), toFloat32Array()) copies it to the host.
import { registerKernel } from '../../registry';
import { Tensor } from '../../tensor';
import type { L1LossKernel, LossResult } from '../../ops/cpu/losses';
import { cudaKernels, dev, devOrNull, emptyCuda } from './native';

function gradLike(x: Tensor, want: boolean): Tensor | null {
  return want ? emptyCuda(x.shape) : null;
}

// Runs once, when the first op of this group loads.
function registerLoss(): void {
  const k = cudaKernels;
  registerKernel('softmaxCrossEntropyForward', 'cuda',
    ((logits: Tensor, targets: Int32Array, weight: Tensor | null, labelSmoothing: number, wantGrad: boolean): LossResult => {
      const grad = gradLike(logits, wantGrad);
      const loss = emptyCuda([1]);
      const [n, c] = logits.shape;
      k().cudaSoftmaxCrossEntropy(dev(logits), n, c, targets, devOrNull(weight), labelSmoothing, devOrNull(grad), dev(loss));
      return { loss, grad };
    }));
  registerKernel('bceWithLogitsForward', 'cuda',
    ((logits: Tensor, targets: Tensor, rows: number, inner: number, posWeight: Tensor | null, wantGrad: boolean): LossResult => {
      const grad = gradLike(logits, wantGrad);
      const loss = emptyCuda([1]);
      const channels = posWeight ? posWeight.numel : 1;
      k().cudaBceWithLogits(dev(logits), dev(targets), rows, inner, devOrNull(posWeight), channels, devOrNull(grad), dev(loss));
      return { loss, grad };
    }));
  registerKernel('diceLossForward', 'cuda', ((logits: Tensor, targets: Tensor, eps: number, wantGrad: boolean): LossResult => {
    const grad = gradLike(logits, wantGrad);
    const loss = emptyCuda([1]);
    const n = logits.shape[0];
    k().cudaDiceLoss(dev(logits), dev(targets), n, logits.numel / n, eps, devOrNull(grad), dev(loss));
    return { loss, grad };
  }));
  registerKernel('focalLossForward', 'cuda',
    ((logits: Tensor, targets: Tensor, alpha: number, beta: number, wantGrad: boolean): LossResult => {
      const grad = gradLike(logits, wantGrad);
      const loss = emptyCuda([1]);
      k().cudaFocalLoss(dev(logits), dev(targets), alpha, beta, devOrNull(grad), dev(loss));
      return { loss, grad };
    }));
  registerKernel('l1LossForward', 'cuda', ((pred: Tensor, target: Tensor, mask: Tensor | null, wantGrad: boolean): LossResult => {
    const grad = gradLike(pred, wantGrad);
    const loss = emptyCuda([1]);
    const withMask = mask !== null;
    const n = withMask ? pred.shape[0] : 1;
    const c = withMask ? pred.shape[1] : 1;
    const hw = pred.numel / (n * c);
    const maskChannels = withMask ? mask.shape[1] : 1;
    k().cudaL1Loss(dev(pred), dev(target), devOrNull(mask), n, c, hw, maskChannels, devOrNull(grad), dev(loss));
    return { loss, grad };
  }) satisfies L1LossKernel);
  // grad * upstream (a [1] tensor on the device): the chain rule for a scalar loss, no sync.
  registerKernel('scaleByScalar', 'cuda', ((grad: Tensor, scalar: Tensor): Tensor => {
    const y = emptyCuda(grad.shape);
    k().cudaScaleByScalar(dev(grad), dev(scalar), dev(y));
    return y;
  }));
}

registerLoss();
