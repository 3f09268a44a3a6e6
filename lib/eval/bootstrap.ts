// Bootstrap intervals over images: each replicate draws as many images as there are, with
// replacement (seeded), and recomputes the metrics from the per-image records; the interval
// is the percentile interval (linear interpolation between order statistics, numpy's default).
// A replicate where a metric is undefined (e.g. no malignant image drawn) is left out of that
// metric's interval. pairedBootstrap draws the same images for two models' records.
import { Rng } from '../random';
import { argmax, rocAuc } from './classification-metrics';
import { FROC_RATES, averagePrecision, frocCurve, frocSensitivityAt } from './detection-metrics';
import { positiveClassIndex, recordsBilateralAuc, type ImageRecord } from './image-records';
import type { FrocRate, Interval, MetricIntervals } from './intervals';

export type { FrocRate, Interval, MetricIntervals };

export interface BootstrapOptions {
  replicates?: number;   // default 2000
  seed?: number;         // default 0
  level?: number;        // default 0.95
  // Resampling units: lists of record indices drawn together (e.g. one image's records from
  // several seeds). Default: each record alone.
  groups?: number[][];
}

// The headline metrics of one (resampled) set of records.
export interface HeadlineMetrics {
  auc: number;
  aucBilateral: number;
  accuracy: number;
  froc: Record<FrocRate, number>;
  ap50: number;
  dice: number;
}

export function headlineMetrics(records: readonly ImageRecord[], classes: readonly string[]): HeadlineMetrics {
  const positive = positiveClassIndex(classes);
  const name = classes[positive];
  const auc = rocAuc(records.map((r) => r.probabilities[positive]), records.map((r) => r.label === name));
  const accuracy = records.length ? records.filter((r) => classes[argmax(r.probabilities)] === r.label).length / records.length : NaN;
  const images = records.map((r) => ({ detections: r.detections, truth: r.truth }));
  const { points, lesions } = frocCurve(images);
  const froc = Object.fromEntries(FROC_RATES.map((k) => [k, frocSensitivityAt(points, lesions, Number(k))])) as Record<FrocRate, number>;
  let dice = 0, n = 0;
  for (const r of records) if (r.dice !== null) { dice += r.dice; n++; }
  return { auc, aucBilateral: recordsBilateralAuc(records, classes).auc, accuracy, froc, ap50: averagePrecision(images, 0.5), dice: n ? dice / n : NaN };
}

// The percentile interval of the finite values ([NaN, NaN] when there are none).
export function percentileInterval(values: readonly number[], level = 0.95): Interval {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return [NaN, NaN];
  const q = (p: number): number => {
    const h = (v.length - 1) * p, lo = Math.floor(h), hi = Math.ceil(h);
    return v[lo] + (h - lo) * (v[hi] - v[lo]);
  };
  const tail = (1 - level) / 2;
  return [q(tail), q(1 - tail)];
}

type Resolved = Required<Omit<BootstrapOptions, 'groups'>>;

function resolve(o: BootstrapOptions): Resolved {
  const replicates = o.replicates ?? 2000, seed = o.seed ?? 0, level = o.level ?? 0.95;
  if (!Number.isInteger(replicates) || replicates < 1) throw new RangeError(`Expected a positive integer for replicates but received ${replicates}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`Expected a number in (0, 1) for level but received ${level}`);
  return { replicates, seed, level };
}

// The record indices of each replicate: groups (default: single records) drawn with replacement.
function replicateIndices(n: number, o: BootstrapOptions): number[][] {
  const groups = o.groups ?? Array.from({ length: n }, (_, i) => [i]);
  return bootstrapDraws(groups.length, o).map((draw) => Array.from(draw).flatMap((g) => groups[g]));
}

// The replicate draws: replicates x n image indices.
export function bootstrapDraws(n: number, options: BootstrapOptions = {}): Int32Array[] {
  const o = resolve(options);
  const rng = new Rng(o.seed);
  return Array.from({ length: o.replicates }, () => {
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    return idx;
  });
}

function intervalsOf(samples: HeadlineMetrics[], o: Resolved): MetricIntervals {
  const pick = (f: (m: HeadlineMetrics) => number): Interval => percentileInterval(samples.map(f), o.level);
  return {
    auc: pick((m) => m.auc), aucBilateral: pick((m) => m.aucBilateral), accuracy: pick((m) => m.accuracy),
    froc: Object.fromEntries(FROC_RATES.map((k) => [k, pick((m) => m.froc[k])])) as Record<FrocRate, Interval>,
    ap50: pick((m) => m.ap50), dice: pick((m) => m.dice), replicates: o.replicates, seed: o.seed, level: o.level,
  };
}

export function bootstrapIntervals(records: readonly ImageRecord[], classes: readonly string[], options: BootstrapOptions = {}): MetricIntervals {
  const o = resolve(options);
  const replicates = replicateIndices(records.length, options).map((idx) => headlineMetrics(idx.map((i) => records[i]), classes));
  return intervalsOf(replicates, o);
}

export interface PairedDifference {
  difference: HeadlineMetrics;   // a - b on all images
  intervals: MetricIntervals;    // of a - b over the same resampled images
}

// a and b: records of the same images in the same order (two models).
export function pairedBootstrap(a: readonly ImageRecord[], b: readonly ImageRecord[], classes: readonly string[], options: BootstrapOptions = {}): PairedDifference {
  if (a.length !== b.length || a.some((r, i) => r.id !== b[i].id)) throw new RangeError('Expected records of the same images in the same order for b but received a different image list');
  const o = resolve(options);
  const diff = (x: HeadlineMetrics, y: HeadlineMetrics): HeadlineMetrics => ({
    auc: x.auc - y.auc, aucBilateral: x.aucBilateral - y.aucBilateral, accuracy: x.accuracy - y.accuracy,
    froc: Object.fromEntries(FROC_RATES.map((k) => [k, x.froc[k] - y.froc[k]])) as Record<FrocRate, number>,
    ap50: x.ap50 - y.ap50, dice: x.dice - y.dice,
  });
  const replicates = replicateIndices(a.length, options).map((idx) => diff(
    headlineMetrics(idx.map((i) => a[i]), classes), headlineMetrics(idx.map((i) => b[i]), classes)));
  return { difference: diff(headlineMetrics(a, classes), headlineMetrics(b, classes)), intervals: intervalsOf(replicates, o) };
}
