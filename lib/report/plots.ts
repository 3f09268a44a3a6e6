// Report plots as PNG: training curves (loss and validation metrics per epoch), ROC and FROC.
import type { RocPoint } from '../eval/classification-metrics';
import type { FrocPoint } from '../eval/detection-metrics';
import sharp from 'sharp';
import { vegaLiteToPng } from './vega-render';

export interface PlotOptions {
  width?: number;    // PNG width in pixels at scale 1 (default 480)
  height?: number;   // PNG height in pixels at scale 1 (default 360)
  scale?: number;    // pixel density multiplier (default 1)
  title?: string;
}

// One row per epoch: losses and any validation metrics (e.g. { auc, dice, froc1 }).
export interface EpochLog {
  epoch: number;
  trainLoss: number;
  valLoss?: number;
  metrics?: Record<string, number>;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const finite = (v: number | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

// The whole figure is exactly width x height (autosize fit, padding included).
function frame(options: PlotOptions, defaults: { width: number; height: number }): object {
  return {
    $schema: SCHEMA,
    width: options.width ?? defaults.width,
    height: options.height ?? defaults.height,
    autosize: { type: 'fit', contains: 'padding' },
    background: 'white',
    padding: 8,
    config: { font: 'sans-serif', view: { stroke: '#ddd' } },
  };
}

// Loss per epoch (train and validation); with metrics, a second panel below on [0, 1]. Each
// panel is rendered on its own (vega-lite cannot size concatenated views exactly) and stacked.
export async function trainingCurvePng(history: EpochLog[], options: PlotOptions = {}): Promise<Buffer> {
  const loss: object[] = [];
  const metric: object[] = [];
  for (const h of history) {
    if (finite(h.trainLoss)) loss.push({ epoch: h.epoch, value: h.trainLoss, series: 'train' });
    if (finite(h.valLoss)) loss.push({ epoch: h.epoch, value: h.valLoss, series: 'validation' });
    for (const [name, value] of Object.entries(h.metrics ?? {})) if (finite(value)) metric.push({ epoch: h.epoch, value, series: name });
  }
  const width = options.width ?? 560;
  const height = options.height ?? (metric.length ? 560 : 320);
  const scale = options.scale ?? 1;
  const x = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } };
  const line = { type: 'line', point: true };
  const color = { field: 'series', type: 'nominal', title: null, legend: { orient: 'right' } };
  const lossHeight = metric.length ? Math.round(height / 2) : height;
  const lossPanel = {
    ...frame({ width, height: lossHeight }, { width, height: lossHeight }),
    title: options.title ?? 'Loss per epoch',
    data: { values: loss },
    mark: line,
    encoding: { x, y: { field: 'value', type: 'quantitative', title: 'loss', scale: { zero: false } }, color },
  };
  const top = await vegaLiteToPng(lossPanel, scale);
  if (!metric.length) return top;
  const metricPanel = {
    ...frame({ width, height: height - lossHeight }, { width, height: height - lossHeight }),
    title: 'Validation metrics per epoch',
    data: { values: metric },
    mark: line,
    encoding: { x, y: { field: 'value', type: 'quantitative', title: 'metric', scale: { domain: [0, 1] } }, color },
  };
  const bottom = await vegaLiteToPng(metricPanel, scale);
  const topMeta = await sharp(top).metadata();
  const bottomMeta = await sharp(bottom).metadata();
  return sharp({ create: { width: Math.max(topMeta.width!, bottomMeta.width!), height: topMeta.height! + bottomMeta.height!, channels: 3, background: '#ffffff' } })
    .composite([{ input: top, top: 0, left: 0 }, { input: bottom, top: topMeta.height!, left: 0 }])
    .png()
    .toBuffer();
}

// ROC curve with the chance diagonal; the AUC (if given) goes in the title.
export async function rocCurvePng(points: RocPoint[], options: PlotOptions & { auc?: number } = {}): Promise<Buffer> {
  const curve = points.filter((p) => finite(p.fpr) && finite(p.tpr)).map((p, order) => ({ fpr: p.fpr, tpr: p.tpr, order }));
  const title = options.title ?? `ROC, malignant vs rest${finite(options.auc) ? ` (AUC ${options.auc.toFixed(3)})` : ''}`;
  const axis = (field: string, label: string): object => ({ field, type: 'quantitative', title: label, scale: { domain: [0, 1] } });
  const spec = {
    ...frame(options, { width: 420, height: 420 }),
    title,
    layer: [
      { data: { values: [{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }] }, mark: { type: 'line', strokeDash: [4, 4], color: '#999' }, encoding: { x: axis('fpr', 'false positive rate (1 - specificity)'), y: axis('tpr', 'true positive rate (sensitivity)') } },
      { data: { values: curve }, mark: { type: 'line', interpolate: 'linear', color: '#c0392b', strokeWidth: 2 }, encoding: { x: axis('fpr', 'false positive rate (1 - specificity)'), y: axis('tpr', 'true positive rate (sensitivity)'), order: { field: 'order' } } },
    ],
  };
  return vegaLiteToPng(spec, options.scale ?? 1);
}

// FROC: lesion sensitivity vs false positives per image (step curve), with the reported
// operating points (0.5, 1, 2, 4 FP/image) marked.
export async function frocCurvePng(points: FrocPoint[], options: PlotOptions & { lesions?: number; maxFpPerImage?: number } = {}): Promise<Buffer> {
  const maxFp = options.maxFpPerImage ?? 4;
  const curve: { fp: number; sensitivity: number; order: number }[] = [];
  let last = 0;
  for (const p of points) {
    if (!finite(p.fpPerImage) || !finite(p.sensitivity)) continue;
    if (p.fpPerImage > maxFp) break;
    if (curve.length) curve.push({ fp: p.fpPerImage, sensitivity: last, order: curve.length });   // step
    curve.push({ fp: p.fpPerImage, sensitivity: p.sensitivity, order: curve.length });
    last = p.sensitivity;
  }
  if (curve.length) curve.push({ fp: maxFp, sensitivity: last, order: curve.length });
  const marks = [0.5, 1, 2, 4].filter((r) => r <= maxFp).map((rate) => {
    let best = 0;
    for (const p of points) if (p.fpPerImage <= rate && p.sensitivity > best) best = p.sensitivity;
    return { fp: rate, sensitivity: best, label: best.toFixed(2) };
  });
  const x = { field: 'fp', type: 'quantitative', title: 'false positives per image', scale: { domain: [0, maxFp] } };
  const y = { field: 'sensitivity', type: 'quantitative', title: 'lesion sensitivity', scale: { domain: [0, 1] } };
  const spec = {
    ...frame(options, { width: 480, height: 380 }),
    title: options.title ?? `FROC${options.lesions !== undefined ? ` (${options.lesions} lesions)` : ''}`,
    layer: [
      { data: { values: curve }, mark: { type: 'line', color: '#2c7fb8', strokeWidth: 2 }, encoding: { x, y, order: { field: 'order' } } },
      { data: { values: marks }, mark: { type: 'point', filled: true, size: 60, color: '#c0392b' }, encoding: { x, y } },
      { data: { values: marks }, mark: { type: 'text', dy: -10, fontSize: 11 }, encoding: { x, y, text: { field: 'label' } } },
    ],
  };
  return vegaLiteToPng(spec, options.scale ?? 1);
}
