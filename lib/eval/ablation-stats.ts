// Paired comparison of two arms ('full' vs 'none' feature transfer) trained with the same seeds
// on the same cross-validation folds: per seed, the paired DeLong test of the malignant-vs-rest
// AUC and paired image-bootstrap intervals of every headline difference; over all seeds, DeLong
// on the seed-averaged malignant probabilities and a bootstrap that resamples images with all
// their seeds' records (FROC and Dice pooled over seeds).
import { delongPaired, type DelongPaired } from './delong';
import { headlineMetrics, pairedBootstrap, type HeadlineMetrics, type PairedDifference } from './bootstrap';
import { positiveClassIndex, type ImageRecord } from './image-records';

export interface SeedPair {
  seed: number;
  a: ImageRecord[];   // arm A (e.g. full), one record per image
  b: ImageRecord[];   // arm B (e.g. none), the same images
}

export interface ArmComparison {
  a: HeadlineMetrics;
  b: HeadlineMetrics;
  delong: DelongPaired | null;   // null when AUC is undefined (fewer than 2 positives or negatives)
  paired: PairedDifference;
}

export interface AblationSummary {
  perSeed: (ArmComparison & { seed: number })[];
  pooled: ArmComparison;         // all seeds
  images: number;
}

const byId = (r: readonly ImageRecord[]): ImageRecord[] => [...r].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));

function delongOf(a: ImageRecord[], b: ImageRecord[], classes: readonly string[]): DelongPaired | null {
  const k = positiveClassIndex(classes);
  const positive = a.map((r) => r.label === classes[k]);
  try {
    return delongPaired(a.map((r) => r.probabilities[k]), b.map((r) => r.probabilities[k]), positive);
  } catch {
    return null;
  }
}

// Mean probabilities per image over the seeds (records aligned by id).
function seedAveraged(lists: ImageRecord[][]): ImageRecord[] {
  return lists[0].map((r, i) => ({
    ...r, probabilities: r.probabilities.map((_, c) => lists.reduce((s, l) => s + l[i].probabilities[c], 0) / lists.length),
  }));
}

export function compareArms(pairs: readonly SeedPair[], classes: readonly string[], bootstrap: { replicates: number; seed: number }): AblationSummary {
  if (!pairs.length) throw new RangeError('Expected at least one seed for pairs but received none');
  const sorted = pairs.map((p) => ({ seed: p.seed, a: byId(p.a), b: byId(p.b) }));
  const ids = sorted[0].a.map((r) => r.id).join('\n');
  for (const p of sorted) {
    if (p.a.map((r) => r.id).join('\n') !== ids || p.b.map((r) => r.id).join('\n') !== ids) {
      throw new RangeError(`Expected the same images in both arms and every seed for seed ${p.seed} but received different image lists`);
    }
  }
  const perSeed = sorted.map((p) => ({
    seed: p.seed, a: headlineMetrics(p.a, classes), b: headlineMetrics(p.b, classes), delong: delongOf(p.a, p.b, classes),
    paired: pairedBootstrap(p.a, p.b, classes, bootstrap),
  }));
  const n = sorted[0].a.length;
  const stackedA = sorted.flatMap((p) => p.a), stackedB = sorted.flatMap((p) => p.b);
  const groups = Array.from({ length: n }, (_, i) => sorted.map((_, s) => s * n + i));
  const pooled: ArmComparison = {
    a: headlineMetrics(stackedA, classes), b: headlineMetrics(stackedB, classes),
    delong: delongOf(seedAveraged(sorted.map((p) => p.a)), seedAveraged(sorted.map((p) => p.b)), classes),
    paired: pairedBootstrap(stackedA, stackedB, classes, { ...bootstrap, groups }),
  };
  return { perSeed, pooled, images: n };
}
