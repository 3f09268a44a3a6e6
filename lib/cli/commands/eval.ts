// `ftmtlnet eval`: evaluates a checkpoint on phantoms or a data set and prints the metrics
// (classification, detection FROC/AP, segmentation Dice/IoU), as JSON with --json.
import { Command } from 'commander';
import type { TestTimeAugmentation } from '../../model/config';
import { loadModel } from '../../train/model-checkpoint';
import type { EvaluationMetrics } from '../../eval/metrics';
import { setNumThreads } from '../../capabilities';
import { loadSamples, type DataFormat } from '../data-source';
import { addDataOptions, addThreadsOption, addTtaOverrideOption, parseIntArg } from '../options';
import { validate } from '../../train/validate';
import { formatMetricsTable } from '../../report/summary-table';
import { imageRecords, type ImageRecord } from '../../eval/image-records';
import { bootstrapIntervals } from '../../eval/bootstrap';
import { worstFailures } from '../../eval/failure-cases';
import { renderOverlay } from '../../report/overlay';
import type { Prediction } from '../../eval/metrics';
import type { Sample } from '../../data/sample';
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';

// Image ids from a file: one per line, or a cv fold's records.json ({ records: [{ id }] }).
export async function readIds(file: string): Promise<string[]> {
  const text = await fsp.readFile(file, 'utf8');
  if (/^\s*[[{]/.test(text)) {
    const j = JSON.parse(text) as { records?: { id: string }[] } | string[];
    const list = Array.isArray(j) ? j : j.records?.map((r) => r.id);
    if (!Array.isArray(list) || list.some((id) => typeof id !== 'string')) throw new Error(`${file}: expected a JSON list of ids or a records.json with records[].id`);
    return list;
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

function selectIds(samples: Sample[], ids: string[], file: string): Sample[] {
  const byId = new Map(samples.map((s) => [s.id, s]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length) throw new Error(`${file}: ${missing.length} id(s) not in the data set: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
  return ids.map((id) => byId.get(id)!);
}

// Overlays of the worst cases (lib/eval/failure-cases.ts) as <rank>-<kind>-<id>.png.
export async function writeFailureOverlays(dir: string, samples: Sample[], predictions: Prediction[], records: ImageRecord[], classes: string[]): Promise<string[]> {
  await fsp.mkdir(dir, { recursive: true });
  const files: string[] = [];
  const rank: Record<string, number> = {};
  for (const c of worstFailures(records, classes)) {
    const s = samples[c.index], p = predictions[c.index];
    rank[c.kind] = (rank[c.kind] ?? 0) + 1;
    const png = await renderOverlay(s.image, { ...p, detections: p.detections.map((d) => ({ box: [...d.box], score: d.score })) }, {
      groundTruth: { boxes: s.boxes, mask: s.mask, label: s.label }, scoreThreshold: c.kind === 'false-positive' ? c.score : 0.3,
    });
    const file = path.join(dir, `${rank[c.kind]}-${c.kind}-${s.id}-score-${c.score.toFixed(2)}.png`);
    await fsp.writeFile(file, png);
    files.push(file);
  }
  return files;
}

interface EvalFlags {
  ids?: string;
  bootstrap: number;
  overlays?: string;
  model: string;
  data?: string;
  format?: DataFormat;
  count?: number;
  dataSeed: number;
  start: number;
  batch: number;
  threads?: number;
  json?: boolean;
  tta?: TestTimeAugmentation;
}

// The eval --json shape (and the demo's metrics.json).
// With bootstrap intervals, each interval sits beside its metric: classification.aucCI,
// classification.accuracyCI, classification.aucBilateralCI, detection.frocCI["0.5"|"1"|"2"|"4"], detection.ap50CI,
// segmentation.diceCI (each [low, high]) and bootstrap { replicates, seed, level }.
export function metricsJson(m: EvaluationMetrics): object {
  const c = m.classification;
  const ci = m.intervals;
  return {
    classification: {
      auc: c.auc, accuracy: c.accuracy, sensitivity: c.sensitivity, specificity: c.specificity, macroAuc: c.macroAuc,
      aucBilateral: c.aucBilateral, bilateralImages: c.bilateralImages,
      ...(ci ? { aucCI: ci.auc, accuracyCI: ci.accuracy, aucBilateralCI: ci.aucBilateral } : {}),
    },
    detection: {
      froc: { '0.5': m.detection.froc['0.5'], '1': m.detection.froc['1'], '2': m.detection.froc['2'], '4': m.detection.froc['4'] }, ap50: m.detection.ap50,
      ...(ci ? { frocCI: { ...ci.froc }, ap50CI: ci.ap50 } : {}),
    },
    segmentation: { dice: m.segmentation.dice, iou: m.segmentation.iou, ...(ci ? { diceCI: ci.dice } : {}) },
    images: m.images,
    ...(ci ? { bootstrap: { replicates: ci.replicates, seed: ci.seed, level: ci.level } } : {}),
  };
}

export function register(program: Command): void {
  const cmd = program
    .command('eval')
    .description('Evaluate a checkpoint: AUC/accuracy/sensitivity/specificity, FROC and AP50, Dice and IoU')
    .requiredOption('--model <dir>', 'checkpoint folder (config.json + weights.safetensors)')
    .option('--start <n>', 'synthetic: index of the first phantom (held out from training by default)', parseIntArg('--start', 0), 100000)
    .option('--batch <n>', 'batch size', parseIntArg('--batch', 1), 8)
    .option('--ids <file>', 'evaluate only these images: a file of ids (one per line), or a cv records.json (its held-out images)')
    .option('--bootstrap <n>', 'bootstrap replicates of the 95% intervals (0: none)', parseIntArg('--bootstrap', 0), 2000)
    .option('--overlays <dir>', 'write overlays of the worst missed masses, false-positive detections and misclassified images')
    .option('--json', 'print the metrics as JSON');
  addDataOptions(cmd);
  addTtaOverrideOption(cmd);
  addThreadsOption(cmd);
  cmd.addHelpText('after', `
Images are preprocessed exactly as the checkpoint was trained (its config's preprocess: breast
crop/flip/normalisation, or a letterbox). Metrics are computed in the model's S x S frame.
Intervals: 95% percentile bootstrap over images (--bootstrap replicates, seed 0).
--json prints { classification: { auc, aucCI, accuracy, accuracyCI, sensitivity, specificity,
  macroAuc, aucBilateral, aucBilateralCI, bilateralImages }, detection: { froc: { "0.5", "1", "2", "4" }, frocCI: { same keys }, ap50, ap50CI },
  segmentation: { dice, diceCI, iou }, images, bootstrap } (each CI is [low, high]; a metric
undefined on the data, e.g. AUC without malignant images, is null).
aucBilateral ranks the images whose other breast (same patient, same view, other side; a
mini-MIAS pair) was evaluated too by malignant probability minus the other breast's;
bilateralImages counts them (0: null AUC). Detection and segmentation count masses only; a calcification or other finding is never a
missed mass. --overlays DIR writes the worst cases (ground truth green, prediction red).

Examples:
  ftmtlnet eval --model runs/demo/checkpoint --count 100 --json
  ftmtlnet eval --model runs/mias/best --data ../shared/data/mias --format mias`);
  cmd.action(async (flags: EvalFlags) => {
    if (flags.threads) setNumThreads(flags.threads);
    const model = await loadModel(flags.model);
    const dataset = await loadSamples({
      data: flags.data, format: flags.format, size: model.config.imageSize, count: flags.count ?? 100, seed: flags.dataSeed, start: flags.start,
      preprocess: model.config.preprocess,
    });
    for (const s of dataset.skipped) process.stderr.write(`skipped ${s.id}: ${s.reason}\n`);
    const samples = flags.ids ? selectIds(dataset.samples, await readIds(flags.ids), flags.ids) : dataset.samples;
    const result = await validate(model, samples, { batchSize: flags.batch, tta: flags.tta });
    const records = imageRecords(result.predictions, result.samples);
    const metrics = flags.bootstrap > 0
      ? { ...result.metrics, intervals: bootstrapIntervals(records, model.config.classNames, { replicates: flags.bootstrap, seed: 0 }) }
      : result.metrics;
    if (flags.overlays) {
      const written = await writeFailureOverlays(flags.overlays, result.samples, result.predictions, records, model.config.classNames);
      process.stderr.write(`overlays: ${written.length} worst cases in ${flags.overlays}\n`);
    }
    if (flags.json) process.stdout.write(JSON.stringify(metricsJson(metrics), null, 2) + '\n');
    else process.stdout.write(formatMetricsTable(metrics) + '\n');
  });
}
