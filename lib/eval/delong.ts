// DeLong, DeLong & Clarke-Pearson (1988): the variance of an ROC AUC from its structural
// components, and the paired test of two AUCs measured on the same images (correlated ROC
// curves). psi(x, y) = 1 if x > y, 1/2 if equal, 0 otherwise (x: a positive's score, y: a
// negative's). V10_i = mean_j psi(X_i, Y_j), V01_j = mean_i psi(X_i, Y_j); S10, S01 their
// sample (co)variances (n - 1); Var(AUC) = S10/m + S01/n with m positives and n negatives.

export interface DelongAuc {
  auc: number;
  variance: number;
}

export interface DelongPaired {
  aucA: number;
  aucB: number;
  difference: number;   // aucA - aucB
  se: number;           // standard error of the difference
  z: number;
  p: number;            // two-sided
}

// Components of one score vector: V10 over positives, V01 over negatives.
function components(scores: ArrayLike<number>, positive: ArrayLike<boolean>): { v10: number[]; v01: number[]; auc: number } {
  const pos: number[] = [], neg: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new RangeError(`Expected finite numbers for scores but received ${scores[i]} at ${i}`);
    (positive[i] ? pos : neg).push(scores[i]);
  }
  if (pos.length < 2 || neg.length < 2) throw new RangeError(`Expected at least 2 positives and 2 negatives for positive but received ${pos.length} and ${neg.length}`);
  const v10 = pos.map((x) => neg.reduce((s, y) => s + (x > y ? 1 : x === y ? 0.5 : 0), 0) / neg.length);
  const v01 = neg.map((y) => pos.reduce((s, x) => s + (x > y ? 1 : x === y ? 0.5 : 0), 0) / pos.length);
  return { v10, v01, auc: v10.reduce((s, v) => s + v, 0) / pos.length };
}

function covariance(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n, mb = b.reduce((s, v) => s + v, 0) / n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (a[i] - ma) * (b[i] - mb);
  return s / (n - 1);
}

function checkLengths(scores: ArrayLike<number>, positive: ArrayLike<boolean>, name: string): void {
  if (scores.length !== positive.length) throw new RangeError(`Expected ${positive.length} scores for ${name} but received ${scores.length}`);
}

export function delongAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): DelongAuc {
  checkLengths(scores, positive, 'scores');
  const c = components(scores, positive);
  return { auc: c.auc, variance: covariance(c.v10, c.v10) / c.v10.length + covariance(c.v01, c.v01) / c.v01.length };
}

// Paired test of AUC(a) vs AUC(b) on the same images and labels.
export function delongPaired(scoresA: ArrayLike<number>, scoresB: ArrayLike<number>, positive: ArrayLike<boolean>): DelongPaired {
  checkLengths(scoresA, positive, 'scoresA');
  checkLengths(scoresB, positive, 'scoresB');
  const a = components(scoresA, positive), b = components(scoresB, positive);
  const m = a.v10.length, n = a.v01.length;
  const variance = (covariance(a.v10, a.v10) + covariance(b.v10, b.v10) - 2 * covariance(a.v10, b.v10)) / m
    + (covariance(a.v01, a.v01) + covariance(b.v01, b.v01) - 2 * covariance(a.v01, b.v01)) / n;
  const difference = a.auc - b.auc;
  const se = Math.sqrt(Math.max(0, variance));
  const z = se > 0 ? difference / se : difference === 0 ? 0 : Math.sign(difference) * Infinity;
  return { aucA: a.auc, aucB: b.auc, difference, se, z, p: se > 0 || difference !== 0 ? 2 * normalUpperTail(Math.abs(z)) : 1 };
}

// P(Z > z) for a standard normal Z, via erfc (W. J. Cody's rational approximations as in
// Numerical Recipes' erfcc: relative error < 1.2e-7 everywhere).
export function normalUpperTail(z: number): number {
  if (z === Infinity) return 0;
  if (z === -Infinity) return 1;
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  const erfc = x >= 0 ? y : 2 - y;
  return erfc / 2;
}
