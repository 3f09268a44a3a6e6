// Best-epoch tracking and early stopping on a validation score (higher is better).
// select 'last': every epoch is the new "best" (best/ keeps the final weights, the model a
// fixed-epoch cross-validation evaluates); the score is still recorded.
export type BestSelection = 'score' | 'last';

export class EarlyStopping {
  best: { epoch: number; score: number } | null = null;
  sinceBest = 0;

  // patience: epochs without improvement before stopping (false: never); minDelta: the
  // smallest gain that counts as an improvement.
  constructor(readonly patience: number | false, readonly minDelta = 0, readonly select: BestSelection = 'score') {}

  // Records an epoch's score; true when it is the new best. NaN never improves (except that
  // the first epoch is always the best so far, so there is a checkpoint to keep).
  update(epoch: number, score: number): boolean {
    const improved = this.select === 'last' || this.best === null
      || (Number.isFinite(score) && (!Number.isFinite(this.best.score) || score > this.best.score + this.minDelta));
    if (improved) {
      this.best = { epoch, score };
      this.sinceBest = 0;
    } else {
      this.sinceBest++;
    }
    return improved;
  }

  get shouldStop(): boolean {
    return this.patience !== false && this.sinceBest >= this.patience;
  }
}
