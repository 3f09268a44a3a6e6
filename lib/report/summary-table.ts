// Plain-text table of evaluation metrics for the terminal (one column per run).
import type { EvaluationMetrics } from '../eval/metrics';

const ROWS: [string, (m: EvaluationMetrics) => number][] = [
  ['AUC (malignant vs rest)', (m) => m.classification.auc],
  ['macro AUC', (m) => m.classification.macroAuc],
  ['accuracy', (m) => m.classification.accuracy],
  ['sensitivity (malignant)', (m) => m.classification.sensitivity],
  ['specificity', (m) => m.classification.specificity],
  ['FROC sens @ 0.5 FP/img', (m) => m.detection.froc['0.5']],
  ['FROC sens @ 1 FP/img', (m) => m.detection.froc['1']],
  ['FROC sens @ 2 FP/img', (m) => m.detection.froc['2']],
  ['FROC sens @ 4 FP/img', (m) => m.detection.froc['4']],
  ['AP @ IoU 0.5', (m) => m.detection.ap50],
  ['Dice (images with a mass)', (m) => m.segmentation.dice],
  ['IoU (images with a mass)', (m) => m.segmentation.iou],
];

const cell = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

// formatMetricsTable(m) or formatMetricsTable({ full: m1, none: m2 }) for side-by-side runs.
export function formatMetricsTable(metrics: EvaluationMetrics | Record<string, EvaluationMetrics>): string {
  const columns: [string, EvaluationMetrics][] = 'classification' in metrics ? [['value', metrics as EvaluationMetrics]] : Object.entries(metrics as Record<string, EvaluationMetrics>);
  const rows: string[][] = [['metric', ...columns.map(([name]) => name)]];
  for (const [name, get] of ROWS) rows.push([name, ...columns.map(([, m]) => cell(get(m)))]);
  rows.push(['images', ...columns.map(([, m]) => String(m.images))]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join('\n');
}

export function printMetricsTable(metrics: EvaluationMetrics | Record<string, EvaluationMetrics>, write: (s: string) => void = (s) => process.stdout.write(s)): void {
  write(`${formatMetricsTable(metrics)}\n`);
}
