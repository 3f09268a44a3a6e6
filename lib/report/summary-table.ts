// Plain-text table of evaluation metrics for the terminal (one column per run).
import type { EvaluationMetrics } from '../eval/metrics';

type Ci = [number, number] | undefined;
// A row with a fourth entry is shown only when that holds for some column.
const hasPartners = (m: EvaluationMetrics): boolean => (m.classification.bilateralImages ?? 0) > 0;
const ROWS: [string, (m: EvaluationMetrics) => number, (m: EvaluationMetrics) => Ci, ((m: EvaluationMetrics) => boolean)?][] = [
  ['AUC (malignant vs rest)', (m) => m.classification.auc, (m) => m.intervals?.auc],
  ['AUC bilateral (minus the other breast)', (m) => m.classification.aucBilateral, (m) => m.intervals?.aucBilateral, hasPartners],
  ['macro AUC', (m) => m.classification.macroAuc, () => undefined],
  ['accuracy', (m) => m.classification.accuracy, (m) => m.intervals?.accuracy],
  ['sensitivity (malignant)', (m) => m.classification.sensitivity, () => undefined],
  ['specificity', (m) => m.classification.specificity, () => undefined],
  ['FROC sens @ 0.5 FP/img', (m) => m.detection.froc['0.5'], (m) => m.intervals?.froc['0.5']],
  ['FROC sens @ 1 FP/img', (m) => m.detection.froc['1'], (m) => m.intervals?.froc['1']],
  ['FROC sens @ 2 FP/img', (m) => m.detection.froc['2'], (m) => m.intervals?.froc['2']],
  ['FROC sens @ 4 FP/img', (m) => m.detection.froc['4'], (m) => m.intervals?.froc['4']],
  ['AP @ IoU 0.5', (m) => m.detection.ap50, (m) => m.intervals?.ap50],
  ['Dice (images with a mass)', (m) => m.segmentation.dice, (m) => m.intervals?.dice],
  ['IoU (images with a mass)', (m) => m.segmentation.iou, () => undefined],
];

const num = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
// "0.712 [0.610, 0.801]" when the run has bootstrap intervals.
const cell = (v: number, ci: Ci): string => (ci ? `${num(v)} [${num(ci[0])}, ${num(ci[1])}]` : num(v));

// formatMetricsTable(m) or formatMetricsTable({ full: m1, none: m2 }) for side-by-side runs.
export function formatMetricsTable(metrics: EvaluationMetrics | Record<string, EvaluationMetrics>): string {
  const columns: [string, EvaluationMetrics][] = 'classification' in metrics ? [['value', metrics as EvaluationMetrics]] : Object.entries(metrics as Record<string, EvaluationMetrics>);
  const rows: string[][] = [['metric', ...columns.map(([name]) => name)]];
  for (const [name, get, ci, shown] of ROWS) {
    if (shown && !columns.some(([, m]) => shown(m))) continue;
    rows.push([name, ...columns.map(([, m]) => cell(get(m), ci(m)))]);
  }
  if (columns.some(([, m]) => hasPartners(m))) rows.push(['images with a partner (bilateral)', ...columns.map(([, m]) => String(m.classification.bilateralImages ?? 0))]);
  rows.push(['images', ...columns.map(([, m]) => String(m.images))]);
  const withCi = columns.find(([, m]) => m.intervals)?.[1].intervals;
  const note = withCi ? `\n[ ]: ${Math.round(withCi.level * 100)}% bootstrap interval (${withCi.replicates} replicates, images resampled, seed ${withCi.seed})` : '';
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join('\n') + note;
}

export function printMetricsTable(metrics: EvaluationMetrics | Record<string, EvaluationMetrics>, write: (s: string) => void = (s) => process.stdout.write(s)): void {
  write(`${formatMetricsTable(metrics)}\n`);
}
