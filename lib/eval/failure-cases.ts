// The worst mistakes of a model on a data set, for overlays and the model card:
// - missed masses: lesions whose best hitting detection scores lowest (no hit: score 0);
// - false-positive detections: the highest-scoring detections whose centre is in no mass box
//   (a detection on a calcification or other non-mass finding is still a false positive);
// - classification: malignant images with the lowest malignant probability, and other images
//   with the highest.
import type { ImageRecord } from './image-records';
import { positiveClassIndex } from './image-records';

export interface FailureCase {
  index: number;          // into the records
  kind: 'missed-mass' | 'false-positive' | 'missed-malignant' | 'false-malignant';
  score: number;          // detection score or malignant probability behind the ranking
}

const centreIn = (d: readonly number[], b: readonly number[]): boolean => {
  const cx = (d[0] + d[2]) / 2, cy = (d[1] + d[3]) / 2;
  return cx >= b[0] && cx <= b[2] && cy >= b[1] && cy <= b[3];
};

export function worstFailures(records: readonly ImageRecord[], classes: readonly string[], perKind = 4): FailureCase[] {
  const missed: FailureCase[] = [], falsePos: FailureCase[] = [], missedMal: FailureCase[] = [], falseMal: FailureCase[] = [];
  const positive = positiveClassIndex(classes);
  records.forEach((r, index) => {
    for (const b of r.truth) {
      const best = Math.max(0, ...r.detections.filter((d) => centreIn(d.box, b)).map((d) => d.score));
      missed.push({ index, kind: 'missed-mass', score: best });
    }
    const fp = r.detections.filter((d) => !r.truth.some((b) => centreIn(d.box, b)));
    if (fp.length) falsePos.push({ index, kind: 'false-positive', score: Math.max(...fp.map((d) => d.score)) });
    const p = r.probabilities[positive];
    (r.label === classes[positive] ? missedMal : falseMal).push({ index, kind: r.label === classes[positive] ? 'missed-malignant' : 'false-malignant', score: p });
  });
  const take = (list: FailureCase[], ascending: boolean): FailureCase[] => {
    const seen = new Set<number>();
    return list.sort((a, b) => (ascending ? a.score - b.score : b.score - a.score) || a.index - b.index)
      .filter((c) => !seen.has(c.index) && seen.add(c.index)).slice(0, perKind);
  };
  return [...take(missed, true), ...take(falsePos, false), ...take(missedMal, true), ...take(falseMal, false)];
}
