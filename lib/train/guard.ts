// The NaN guard: keeps a copy of the last good model state (parameters and buffers such as
// batch-norm running statistics) and optimizer state; a step whose loss, gradients or new
// parameters are not finite is undone by restoring that copy, and counted.
import type { Tensor } from '../tensor';
import { Storage, allocLike, copyStorage } from '../storage';
import type { Optimizer, OptimizerSnapshot } from './optimizers';
import { globalNorm } from './clip';

export class StepGuard {
  recoveries = 0;
  private readonly tensors: Tensor[];
  private readonly saved: Storage[];  // on each tensor's device (no host round trip)
  private optimizerSaved: OptimizerSnapshot | undefined;

  // tensors: everything a step may change (model parameters and buffers).
  constructor(tensors: readonly Tensor[], private readonly optimizer: Optimizer) {
    this.tensors = [...tensors];
    this.saved = this.tensors.map((t) => allocLike(t.storage, false));
    this.commit();
  }

  // Records the current state as the last good one.
  commit(): void {
    this.tensors.forEach((t, i) => copyStorage(this.saved[i], t.storage));
    this.optimizerSaved = this.optimizer.snapshot(this.optimizerSaved);
  }

  // Puts the last good state back, drops the gradients, and counts the recovery.
  restore(): void {
    this.tensors.forEach((t, i) => copyStorage(t.storage, this.saved[i]));
    this.optimizer.restore(this.optimizerSaved!);
    this.optimizer.zeroGrad();
    this.recoveries++;
  }

  // True when every tracked tensor's values are finite.
  stateIsFinite(): boolean {
    return Number.isFinite(globalNorm(this.tensors));
  }
}
