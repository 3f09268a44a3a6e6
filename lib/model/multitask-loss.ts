// The multi-task loss of FTMTLNet:
//   L = wc*CE(class) + wd*(focal(heatmap) + ws_size*l1(size) + l1(offset)) + ws*(BCE + Dice)(mask)
// with fixed weights, or learned uncertainty weighting over the three tasks (an option).
import { Tensor } from '../tensor';
import * as ops from '../ops/index';
import { Module } from '../nn/module';
import type { FTMTLNetOutputs } from './ftmtlnet';
import type { BatchTargets } from './targets';
import { uncertaintyWeightedSum, weightedSum } from './loss-weighting';

export interface MultiTaskLossOptions {
  weights?: { cls?: number; det?: number; seg?: number };   // 1, 1, 1 by default
  sizeWeight?: number;          // factor on l1(size) inside the detection term, 1 by default
  offsetWeight?: number;        // factor on l1(offset), 1 by default
  uncertainty?: boolean;        // learned log-variance per task (Kendall et al. 2018)
  focal?: { alpha?: number; beta?: number };   // 2 and 4 (CenterNet)
  // 'image' (default): Dice per image, averaged (an image without a mass scores 1 - 1/(sum p + 1),
  // so the mean is near 1 whatever the masses get). 'batch': one Dice over the batch's pixels
  // (nnU-Net's batch Dice): images without a mass add only their false positives.
  // 'positive': Dice per image over the images with a mass only (the BCE term alone sees the
  // others), averaged; 0 for a batch without a mass.
  dice?: DiceMode;
}

export type DiceMode = 'image' | 'batch' | 'positive';
export const DICE_MODES: readonly DiceMode[] = ['image', 'batch', 'positive'];

// The logit an image without a mass is given in 'positive' Dice: sigmoid(-30) ~ 1e-13, so its
// per-image term 1 - 1/(sum p + 1) is ~0 and, its logits multiplied by 0, it sends no gradient.
const EMPTY_LOGIT = -30;

// The parts, as numbers, for logging.
export interface LossParts {
  total: number;
  cls: number;
  det: number;
  seg: number;
  focal: number;
  size: number;
  offset: number;
  bce: number;
  dice: number;
  logVars?: { cls: number; det: number; seg: number };
}

export interface LossResult {
  total: Tensor;   // scalar (shape [1]); call total.backward()
  parts: LossParts;
}

export class MultiTaskLoss extends Module {
  readonly weights: { cls: number; det: number; seg: number };
  readonly sizeWeight: number;
  readonly offsetWeight: number;
  readonly focal: { alpha: number; beta: number };
  readonly dice: DiceMode;
  // (3) log-variances of the cls, det, seg tasks; present only with uncertainty weighting.
  // Give loss.parameters() to the optimizer together with the model's.
  readonly logVars: Tensor | null;

  constructor(options: MultiTaskLossOptions = {}) {
    super();
    this.weights = { cls: 1, det: 1, seg: 1, ...(options.weights ?? {}) };
    for (const [k, v] of Object.entries(this.weights)) {
      if (typeof v !== 'number' || !(v >= 0)) throw new RangeError(`Expected a number >= 0 for weights.${k} but received ${String(v)}`);
    }
    this.sizeWeight = options.sizeWeight ?? 1;
    this.offsetWeight = options.offsetWeight ?? 1;
    this.dice = options.dice ?? 'image';
    if (!DICE_MODES.includes(this.dice)) throw new RangeError(`Expected one of ${DICE_MODES.join(', ')} for dice but received ${String(this.dice)}`);
    this.focal = { alpha: options.focal?.alpha ?? 2, beta: options.focal?.beta ?? 4 };
    this.logVars = options.uncertainty ? this.registerParameter('log_vars', Tensor.zeros([3])) : null;
  }

  compute(out: FTMTLNetOutputs, t: BatchTargets): LossResult {
    const cls = ops.softmaxCrossEntropy(out.class_logits, t.classIndex);
    const focal = ops.focalLoss(out.heatmap, t.heatmap, this.focal);
    const size = ops.l1Loss(out.size, t.size, t.regMask);
    const offset = ops.l1Loss(out.offset, t.offset, t.regMask);
    const bce = ops.bceWithLogits(out.mask_logits, t.mask);
    const dice = this.dice === 'batch'
      ? ops.diceLoss(ops.reshape(out.mask_logits, [1, -1, ...out.mask_logits.shape.slice(2)]), ops.reshape(t.mask, [1, -1, ...t.mask.shape.slice(2)]))
      : this.dice === 'positive' ? positiveDice(out.mask_logits, t.mask) : ops.diceLoss(out.mask_logits, t.mask);
    const det = weightedSum([focal, size, offset], [1, this.sizeWeight, this.offsetWeight]);
    const seg = weightedSum([bce, dice], [1, 1]);
    const w = [this.weights.cls, this.weights.det, this.weights.seg];
    const total = this.logVars
      ? uncertaintyWeightedSum([cls, det, seg], w, this.logVars)
      : weightedSum([cls, det, seg], w);
    const parts: LossParts = {
      total: total.item(),
      cls: cls.item(),
      det: det.item(),
      seg: seg.item(),
      focal: focal.item(),
      size: size.item(),
      offset: offset.item(),
      bce: bce.item(),
      dice: dice.item(),
    };
    if (this.logVars) {
      const s = this.logVars.toFloat32Array();
      parts.logVars = { cls: s[0], det: s[1], seg: s[2] };
    }
    return { total, parts };
  }
}

// Mean per-image Dice loss over the images whose mask has a pixel set: the other images' logits
// are replaced by EMPTY_LOGIT (logits * keep + offset, keep and offset per image), which makes
// their terms ~0 without a gradient, and the mean over all N is rescaled to one over the kept.
export function positiveDice(logits: Tensor, mask: Tensor): Tensor {
  const n = logits.shape[0];
  const per = mask.numel / n;
  const m = mask.toFloat32Array();
  const keep = new Float32Array(n), offset = new Float32Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (m.subarray(i * per, (i + 1) * per).some((v) => v > 0)) { keep[i] = 1; kept++; } else offset[i] = EMPTY_LOGIT;
  }
  const shape = [n, ...logits.shape.slice(1).map(() => 1)];
  const masked = ops.add(ops.mul(logits, Tensor.from(keep, shape).to(logits.device)), Tensor.from(offset, shape).to(logits.device));
  return ops.scale(ops.diceLoss(masked, mask), kept ? n / kept : 0);
}
