// The types of bootstrap intervals (lib/eval/bootstrap.ts computes them; EvaluationMetrics in
// lib/eval/metrics.ts carries them): apart, so that neither module imports the other's types.
import type { FROC_RATES } from './detection-metrics';

export type Interval = [number, number];
export type FrocRate = (typeof FROC_RATES)[number];

export interface MetricIntervals {
  auc: Interval;
  aucBilateral: Interval;   // the bilateral AUC (bilateral.ts); [NaN, NaN] without partners
  accuracy: Interval;
  froc: Record<FrocRate, Interval>;
  ap50: Interval;
  dice: Interval;
  replicates: number;
  seed: number;
  level: number;
}
