// Losses, each a scalar Tensor of shape [1] with its gradient to the logits / predictions
// (targets, masks and weights are constants). Semantics follow torch.nn.functional where it
// has the loss; the CenterNet focal loss and the soft Dice loss are defined beside them.
import { isGradEnabled, record } from '../autograd';
import { Tensor, shapeSize } from '../tensor';
import { traceOp } from '../trace';
import { getKernel } from '../registry';
import { describe, expectNumber, expectOptions, fail } from '../errors';
import { expectRank, expectSameDevice, expectShape, expectTensor, expectTensorOrNull } from './check';
import type { LossResult } from './cpu/losses';
import './cpu/losses';
import './cpu/broadcast'; // the tape's gradAccumulate, which sums this op's gradients
import './losses.grad';
import '../cuda/kernels/loss';

export type { LossResult };

type LossName = 'softmaxCrossEntropy' | 'bceWithLogits' | 'diceLoss' | 'focalLoss' | 'l1Loss';

// Records the loss on the tape with the kernel's gradient (losses.grad.ts scales it by the
// upstream gradient).
function recordLoss(name: LossName, input: Tensor, result: LossResult): Tensor {
  const { loss, grad } = result;
  if (grad === null) return loss;
  return record(loss, name, [input], { grad });
}

function wantsGrad(x: Tensor): boolean {
  return x.requiresGrad && isGradEnabled();
}

function expectSameShape(t: Tensor, like: Tensor, name: string): Tensor {
  return expectShape(t, like.shape, name);
}

// targets: Int32Array, number[] or a Tensor of shape [N] -> validated class indices.
function classIndices(targets: unknown, n: number, k: number): Int32Array {
  let values: ArrayLike<number>;
  if (targets instanceof Tensor) {
    expectShape(targets, [n], 'targets');
    values = targets.toFloat32Array();  // class indices are checked on the host (a copy for cuda)
  } else if (targets instanceof Int32Array || Array.isArray(targets)) {
    if (targets.length !== n) fail('range', `${n} class indices (one per row of logits)`, 'targets', `length ${targets.length}`);
    values = targets;
  } else {
    return fail('type', 'class indices (an Int32Array, a number[] or a Tensor of shape [N])', 'targets', describe(targets));
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) fail('type', 'an integer class index', `targets[${i}]`, describe(v));
    if (v < 0 || v >= k) fail('range', `a class index from 0 to ${k - 1}`, `targets[${i}]`, describe(v));
    out[i] = v;
  }
  return out;
}

export interface CrossEntropyOptions {
  weight?: Tensor | null; // (K) per-class weights
  labelSmoothing?: number; // in [0, 1], default 0
}

// logits: (N,K), targets: N class indices -> mean cross entropy, as
// torch.nn.functional.cross_entropy(logits, targets, weight, label_smoothing) (weighted mean).
export function softmaxCrossEntropy(logits: Tensor, targets: Int32Array | number[] | Tensor, options?: CrossEntropyOptions): Tensor {
  expectRank(expectTensor(logits, 'logits'), 2, 'logits');
  const [n, k] = logits.shape;
  const opts = expectOptions<CrossEntropyOptions>(options, 'options');
  const weight = expectTensorOrNull(opts.weight, 'options.weight');
  if (weight) expectShape(weight, [k], 'options.weight');
  const labelSmoothing = expectNumber(opts.labelSmoothing ?? 0, 'options.labelSmoothing', 0, 1);
  const indices = classIndices(targets, n, k);
  const device = expectSameDevice({ logits, 'options.weight': weight }) as Tensor['device'];
  const result = getKernel('softmaxCrossEntropyForward', device)(logits, indices, weight, labelSmoothing, wantsGrad(logits));
  const loss = recordLoss('softmaxCrossEntropy', logits, result);
  traceOp('softmaxCrossEntropy', [logits, targets instanceof Tensor ? targets : null, weight], [loss], { labelSmoothing });
  return loss;
}

export interface BceOptions {
  // Weight of the positive term: a number, or a Tensor (C) applied per channel (dim 1; dim 0 for
  // rank-1 logits). torch's pos_weight broadcasts over the last dim, so for NCHW logits this
  // equals torch's pos_weight of shape (C,1,1).
  posWeight?: number | Tensor | null;
}

// logits, targets: same shape -> mean binary cross entropy on sigmoid(logits), computed in
// torch's stable form (binary_cross_entropy_with_logits, reduction 'mean').
export function bceWithLogits(logits: Tensor, targets: Tensor, options?: BceOptions): Tensor {
  expectTensor(logits, 'logits');
  expectSameShape(expectTensor(targets, 'targets'), logits, 'targets');
  const opts = expectOptions<BceOptions>(options, 'options');
  const channelDim = logits.ndim === 1 ? 0 : 1;
  const channels = logits.shape[channelDim];
  let posWeight: Tensor | null = null;
  let posWeightValue: number | null = null;
  if (opts.posWeight instanceof Tensor) {
    posWeight = expectShape(opts.posWeight, [channels], 'options.posWeight');
  } else if (opts.posWeight !== undefined && opts.posWeight !== null) {
    posWeightValue = expectNumber(opts.posWeight, 'options.posWeight');
  }
  const device = expectSameDevice({ logits, targets, 'options.posWeight': posWeight }) as Tensor['device'];
  if (posWeightValue !== null) posWeight = Tensor.full([1], posWeightValue, { device });
  const rows = posWeight && posWeight.numel > 1 ? shapeSize(logits.shape.slice(0, channelDim + 1)) : 1;
  const inner = logits.numel / rows;
  const result = getKernel('bceWithLogitsForward', device)(logits, targets, rows, inner, posWeight, wantsGrad(logits));
  const loss = recordLoss('bceWithLogits', logits, result);
  traceOp('bceWithLogits', [logits, targets, posWeight], [loss], {});
  return loss;
}

export interface DiceOptions {
  eps?: number; // smoothing, default 1
}

// logits, targets: (N,C,H,W) -> mean over images of 1 - (2*sum(p*t)+eps)/(sum(p)+sum(t)+eps),
// p = sigmoid(logits), sums over each image's (C,H,W).
export function diceLoss(logits: Tensor, targets: Tensor, options?: DiceOptions): Tensor {
  expectRank(expectTensor(logits, 'logits'), 4, 'logits');
  expectSameShape(expectTensor(targets, 'targets'), logits, 'targets');
  const opts = expectOptions<DiceOptions>(options, 'options');
  const eps = expectNumber(opts.eps ?? 1, 'options.eps', 0);
  const device = expectSameDevice({ logits, targets }) as Tensor['device'];
  const result = getKernel('diceLossForward', device)(logits, targets, eps, wantsGrad(logits));
  const loss = recordLoss('diceLoss', logits, result);
  traceOp('diceLoss', [logits, targets], [loss], { eps });
  return loss;
}

export interface FocalOptions {
  alpha?: number; // default 2
  beta?: number; // default 4
}

// logits, targetHeatmap: (N,C,H,W) -> CenterNet's penalty-reduced focal loss on
// p = clamp(sigmoid(logits), 1e-4, 1-1e-4): where target == 1, -(1-p)^alpha log p; elsewhere
// -(1-t)^beta p^alpha log(1-p); the sum divided by max(1, number of targets == 1).
export function focalLoss(logits: Tensor, targetHeatmap: Tensor, options?: FocalOptions): Tensor {
  expectRank(expectTensor(logits, 'logits'), 4, 'logits');
  expectSameShape(expectTensor(targetHeatmap, 'targetHeatmap'), logits, 'targetHeatmap');
  const opts = expectOptions<FocalOptions>(options, 'options');
  const alpha = expectNumber(opts.alpha ?? 2, 'options.alpha', 0);
  const beta = expectNumber(opts.beta ?? 4, 'options.beta', 0);
  const device = expectSameDevice({ logits, targetHeatmap }) as Tensor['device'];
  const result = getKernel('focalLossForward', device)(logits, targetHeatmap, alpha, beta, wantsGrad(logits));
  const loss = recordLoss('focalLoss', logits, result);
  traceOp('focalLoss', [logits, targetHeatmap], [loss], { alpha, beta });
  return loss;
}

// pred, target: same shape; mask: (N,1,H,W) broadcast over pred's channels, or (N,C,H,W), for
// pred (N,C,H,W). With a mask: sum(|pred - target| * mask) / max(1, sum of the mask broadcast to
// pred's shape), i.e. the mean over masked elements; without: the mean absolute error.
export function l1Loss(pred: Tensor, target: Tensor, mask?: Tensor | null): Tensor {
  expectTensor(pred, 'pred');
  expectSameShape(expectTensor(target, 'target'), pred, 'target');
  const m = expectTensorOrNull(mask, 'mask');
  if (m) {
    expectRank(pred, 4, 'pred');
    const [n, c, h, w] = pred.shape;
    const sameShape = m.ndim === 4 && m.shape[0] === n && (m.shape[1] === 1 || m.shape[1] === c) && m.shape[2] === h && m.shape[3] === w;
    if (!sameShape) {
      const options = c === 1 ? `shape [${n}, 1, ${h}, ${w}]` : `shape [${n}, 1, ${h}, ${w}] or [${n}, ${c}, ${h}, ${w}]`;
      fail('range', options, 'mask', `shape [${m.shape.join(', ')}]`);
    }
  }
  const device = expectSameDevice({ pred, target, mask: m }) as Tensor['device'];
  const result = getKernel('l1LossForward', device)(pred, target, m, wantsGrad(pred));
  const loss = recordLoss('l1Loss', pred, result);
  traceOp('l1Loss', [pred, target, m], [loss], {});
  return loss;
}
