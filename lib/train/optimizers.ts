// Optimizers that update parameter Tensors in place with fused native kernels: SGD
// (momentum, Nesterov, L2 weight decay; PyTorch semantics) and AdamW (decoupled weight
// decay, bias correction). State (momentum / moments / step counts) round-trips through
// stateDict() for resume, and snapshot()/restore() back the trainer's NaN guard.
import { Tensor, allocOn } from '../tensor';
import { Storage, allocLike, copyStorage, hostCopy } from '../storage';
import { describe, expectBool, expectNumber, expectOptions, fail } from '../errors';
import { optimKernels } from '../ops/optim';

// Parameters: plain tensors, named tensors (`module.namedParameters()`), or groups with
// their own weight decay (e.g. no decay for biases and norm layers).
export type NamedTensor = [string, Tensor];
export interface ParamGroup {
  params: (Tensor | NamedTensor)[];
  weightDecay?: number;
}
export type ParamsInput = (Tensor | NamedTensor)[] | ParamGroup[];

interface Slot {
  name: string;
  param: Tensor;
  weightDecay: number;
  buffers: Storage[];       // per-optimizer state on the parameter's device: SGD [momentum], AdamW [m, v]
  step: number;             // updates applied to this parameter
}

export interface OptimizerStateDict {
  type: 'sgd' | 'adamw';
  lr: number;
  options: Record<string, number | boolean>;
  slots: { name: string; step: number; shape: number[]; buffers: Float32Array[] }[];
}

export interface OptimizerSnapshot {
  lr: number;
  steps: number[];
  buffers: Storage[];  // on the parameters' devices
}

function isNamed(p: unknown): p is NamedTensor {
  return Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && p[1] instanceof Tensor;
}

function collect(params: unknown, defaultDecay: number): { name: string; param: Tensor; weightDecay: number }[] {
  if (!Array.isArray(params) || params.length === 0) {
    fail('type', 'a non-empty array of parameter tensors, [name, tensor] pairs or groups', 'params', describe(params));
  }
  const out: { name: string; param: Tensor; weightDecay: number }[] = [];
  const seen = new Set<Tensor>();
  const add = (p: unknown, decay: number, where: string): void => {
    const [name, t] = isNamed(p) ? p : [`param${out.length}`, p];
    if (!(t instanceof Tensor)) fail('type', 'a Tensor or a [name, Tensor] pair', where, describe(p));
    if (seen.has(t)) fail('range', 'each parameter once', where, `${name} twice`);
    seen.add(t);
    out.push({ name, param: t, weightDecay: decay });
  };
  params.forEach((entry, i) => {
    if (entry && typeof entry === 'object' && !Array.isArray(entry) && !(entry instanceof Tensor)) {
      const g = entry as ParamGroup;
      if (!Array.isArray(g.params)) fail('type', 'an array of parameters', `params[${i}].params`, describe(g.params));
      const decay = g.weightDecay === undefined ? defaultDecay : expectNumber(g.weightDecay, `params[${i}].weightDecay`, 0);
      g.params.forEach((p, j) => add(p, decay, `params[${i}].params[${j}]`));
    } else {
      add(entry, defaultDecay, `params[${i}]`);
    }
  });
  return out;
}

export abstract class Optimizer {
  lr: number;
  protected readonly slots: Slot[];

  protected constructor(params: unknown, lr: number, weightDecay: number, buffersPerSlot: number) {
    this.lr = lr;
    this.slots = collect(params, weightDecay).map(({ name, param, weightDecay: wd }) => ({
      name,
      param,
      weightDecay: wd,
      buffers: Array.from({ length: buffersPerSlot }, () => allocOn(param.device, param.numel, true)),
      step: 0,
    }));
  }

  abstract readonly type: 'sgd' | 'adamw';
  protected abstract options(): Record<string, number | boolean>;
  protected abstract update(slot: Slot, grad: Storage): void;

  get params(): Tensor[] {
    return this.slots.map((s) => s.param);
  }

  // Applies one update to every parameter that has a gradient (others are left alone).
  step(): void {
    for (const slot of this.slots) {
      const g = slot.param.grad;
      if (!g) continue;
      if (g.numel !== slot.param.numel) {
        fail('range', `a gradient of ${slot.param.numel} elements`, `${slot.name}.grad`, `${g.numel} elements`);
      }
      if (g.device !== slot.param.device) {
        fail('type', `a gradient on ${slot.param.device} (the device of ${slot.name})`, `${slot.name}.grad`, `a tensor on ${g.device}`);
      }
      slot.step++;
      this.update(slot, g.storage);
    }
  }

  // Drops the parameters' gradients and frees them (Tensor.zeroGrad).
  zeroGrad(): void {
    for (const s of this.slots) s.param.zeroGrad();
  }

  // Copies of the state (for checkpoints).
  stateDict(): OptimizerStateDict {
    return {
      type: this.type,
      lr: this.lr,
      options: this.options(),
      slots: this.slots.map((s) => ({
        name: s.name,
        step: s.step,
        shape: [...s.param.shape],
        buffers: s.buffers.map((b) => hostCopy(b)),
      })),
    };
  }

  loadStateDict(state: OptimizerStateDict): void {
    if (!state || typeof state !== 'object') fail('type', 'an optimizer state dict', 'state', describe(state));
    if (state.type !== this.type) fail('type', `a "${this.type}" optimizer state`, 'state.type', describe(state.type));
    if (!Array.isArray(state.slots) || state.slots.length !== this.slots.length) {
      fail('range', `${this.slots.length} parameter slots`, 'state.slots', describe(state.slots));
    }
    state.slots.forEach((s, i) => {
      const slot = this.slots[i];
      if (s.name !== slot.name) fail('range', `parameter "${slot.name}"`, `state.slots[${i}].name`, describe(s.name));
      if (s.buffers.length !== slot.buffers.length || s.buffers.some((b) => b.length !== slot.param.numel)) {
        fail('range', `${slot.buffers.length} buffers of ${slot.param.numel} values`, `state.slots[${i}] (${slot.name})`,
          `buffers of lengths [${s.buffers.map((b) => b.length).join(', ')}]`);
      }
    });
    state.slots.forEach((s, i) => {
      this.slots[i].step = s.step;
      s.buffers.forEach((b, k) => copyStorage(this.slots[i].buffers[k], b));
    });
    this.lr = state.lr;
    this.setOptions(state.options);
  }

  protected abstract setOptions(o: Record<string, number | boolean>): void;

  // A cheap in-memory copy of the whole state, reusing `into` when given.
  snapshot(into?: OptimizerSnapshot): OptimizerSnapshot {
    const snap = into ?? { lr: 0, steps: [], buffers: this.slots.flatMap((s) => s.buffers.map((b) => allocLike(b, false))) };
    snap.lr = this.lr;
    snap.steps = this.slots.map((s) => s.step);
    let k = 0;
    for (const s of this.slots) for (const b of s.buffers) copyStorage(snap.buffers[k++], b);
    return snap;
  }

  restore(snap: OptimizerSnapshot): void {
    this.lr = snap.lr;
    let k = 0;
    this.slots.forEach((s, i) => {
      s.step = snap.steps[i];
      for (const b of s.buffers) copyStorage(b, snap.buffers[k++]);
    });
  }
}

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  readonly type = 'sgd' as const;
  momentum: number;
  dampening: number;
  nesterov: boolean;

  constructor(params: ParamsInput, options: SgdOptions) {
    const o = expectOptions<SgdOptions>(options, 'options');
    const lr = expectNumber(o.lr, 'options.lr', 0);
    const momentum = expectNumber(o.momentum ?? 0, 'options.momentum', 0, 1);
    const dampening = expectNumber(o.dampening ?? 0, 'options.dampening', 0, 1);
    const weightDecay = expectNumber(o.weightDecay ?? 0, 'options.weightDecay', 0);
    const nesterov = expectBool(o.nesterov ?? false, 'options.nesterov');
    if (nesterov && (momentum === 0 || dampening !== 0)) {
      fail('range', 'momentum > 0 and dampening 0 (Nesterov)', 'options', `momentum ${momentum}, dampening ${dampening}`);
    }
    super(params, lr, weightDecay, momentum > 0 ? 1 : 0);
    this.momentum = momentum;
    this.dampening = dampening;
    this.nesterov = nesterov;
  }

  protected options(): Record<string, number | boolean> {
    return { momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov };
  }

  protected setOptions(o: Record<string, number | boolean>): void {
    if (o.momentum !== this.momentum) fail('range', `momentum ${this.momentum}`, 'state.options.momentum', describe(o.momentum));
    this.dampening = Number(o.dampening);
    this.nesterov = Boolean(o.nesterov);
  }

  protected update(slot: Slot, grad: Storage): void {
    optimKernels(slot.param).sgdStep(slot.param.storage, grad, (slot.buffers[0] ?? null), this.lr, this.momentum,
      this.dampening, slot.weightDecay, this.nesterov, slot.step === 1);
  }
}

export interface AdamWOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

export class AdamW extends Optimizer {
  readonly type = 'adamw' as const;
  beta1: number;
  beta2: number;
  eps: number;

  constructor(params: ParamsInput, options: AdamWOptions = {}) {
    const o = expectOptions<AdamWOptions>(options, 'options');
    const lr = expectNumber(o.lr ?? 1e-3, 'options.lr', 0);
    const betas = o.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) fail('type', 'a pair [beta1, beta2]', 'options.betas', describe(betas));
    const beta1 = expectNumber(betas[0], 'options.betas[0]', 0, 0.999999);
    const beta2 = expectNumber(betas[1], 'options.betas[1]', 0, 0.999999);
    const eps = expectNumber(o.eps ?? 1e-8, 'options.eps', 0);
    const weightDecay = expectNumber(o.weightDecay ?? 0.01, 'options.weightDecay', 0);
    super(params, lr, weightDecay, 2);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
  }

  protected options(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2, eps: this.eps };
  }

  protected setOptions(o: Record<string, number | boolean>): void {
    this.beta1 = Number(o.beta1);
    this.beta2 = Number(o.beta2);
    this.eps = Number(o.eps);
  }

  protected update(slot: Slot, grad: Storage): void {
    optimKernels(slot.param).adamwStep(slot.param.storage, grad, slot.buffers[0],
      slot.buffers[1], this.lr, this.beta1,
      this.beta2, this.eps, slot.weightDecay, slot.step);
  }
}

// Default grouping for a model: weight decay on conv/linear weights (rank >= 2), none on
// biases and normalisation parameters.
export function decayGroups(named: NamedTensor[], weightDecay: number): ParamGroup[] {
  return [
    { params: named.filter(([, t]) => t.ndim >= 2), weightDecay },
    { params: named.filter(([, t]) => t.ndim < 2), weightDecay: 0 },
  ].filter((g) => g.params.length > 0);
}
