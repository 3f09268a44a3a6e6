// Classification metrics: ROC AUC (Mann-Whitney, ties count one half), ROC curve, and
// threshold metrics of argmax predictions (accuracy, sensitivity, specificity).

// AUC of scores for positives vs negatives: P(score_pos > score_neg) + 0.5 * P(equal),
// computed from average ranks in O(n log n). NaN when there are no positives or no negatives.
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const n = scores.length;
  if (positive.length !== n) throw new RangeError(`Expected ${n} labels for positive but received ${positive.length}`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const averageRank = (i + j) / 2 + 1;   // ranks are 1-based; tied scores share the mean rank
    for (let k = i; k <= j; k++) {
      if (positive[order[k]]) {
        rankSumPos += averageRank;
        nPos++;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export interface RocPoint {
  threshold: number;   // predict positive when score >= threshold
  fpr: number;
  tpr: number;
}

// ROC curve from (0,0) to (1,1), one point per distinct score (ties move diagonally).
export function rocCurve(scores: ArrayLike<number>, positive: ArrayLike<boolean>): RocPoint[] {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (positive[i]) nPos++;
  const nNeg = n - nPos;
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && scores[order[j]] === scores[order[i]]) {
      if (positive[order[j]]) tp++;
      else fp++;
      j++;
    }
    points.push({ threshold: scores[order[i]], fpr: nNeg ? fp / nNeg : NaN, tpr: nPos ? tp / nPos : NaN });
    i = j;
  }
  return points;
}

// Index of the largest probability (the first one on ties).
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export interface ClassificationMetrics {
  auc: number;          // positive-class probability, positive vs rest (Mann-Whitney)
  accuracy: number;     // argmax class == true class
  sensitivity: number;  // TP / (TP + FN), positive = argmax is the positive class
  specificity: number;  // TN / (TN + FP)
  macroAuc: number;     // mean one-vs-rest AUC over classes where it is defined
}

// probabilities[i]: per-class probabilities of image i (class order = classes); truth[i]: class index.
export function classificationMetrics(probabilities: ArrayLike<number>[], truth: number[], positiveClass: number, numClasses: number): ClassificationMetrics {
  const n = truth.length;
  const predicted = probabilities.map((p) => argmax(p));
  let correct = 0, tp = 0, fn = 0, tn = 0, fp = 0;
  for (let i = 0; i < n; i++) {
    if (predicted[i] === truth[i]) correct++;
    const isPos = truth[i] === positiveClass;
    const predPos = predicted[i] === positiveClass;
    if (isPos && predPos) tp++;
    else if (isPos) fn++;
    else if (predPos) fp++;
    else tn++;
  }
  const oneVsRest = (c: number): number => rocAuc(probabilities.map((p) => p[c]), truth.map((t) => t === c));
  const aucs: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const a = oneVsRest(c);
    if (!Number.isNaN(a)) aucs.push(a);
  }
  return {
    auc: oneVsRest(positiveClass),
    accuracy: n ? correct / n : NaN,
    sensitivity: tp + fn ? tp / (tp + fn) : NaN,
    specificity: tn + fp ? tn / (tn + fp) : NaN,
    macroAuc: aucs.length ? aucs.reduce((s, a) => s + a, 0) / aucs.length : NaN,
  };
}
