// `ftmtlnet eval`: evaluates a checkpoint on phantoms or a data set and prints the metrics
// (classification, detection FROC/AP, segmentation Dice/IoU), as JSON with --json.
import { Command } from 'commander';
import { loadModel } from '../../train/model-checkpoint';
import type { EvaluationMetrics } from '../../eval/metrics';
import { setNumThreads } from '../../capabilities';
import { loadSamples, type DataFormat } from '../data-source';
import { addDataOptions, addThreadsOption, parseIntArg } from '../options';
import { validate } from '../../train/validate';
import { formatMetricsTable } from '../../report/summary-table';

interface EvalFlags {
  model: string;
  data?: string;
  format?: DataFormat;
  count?: number;
  dataSeed: number;
  start: number;
  batch: number;
  threads?: number;
  json?: boolean;
}

// The eval --json shape (and the demo's metrics.json).
// With bootstrap intervals, each interval sits beside its metric: classification.aucCI,
// classification.accuracyCI, detection.frocCI["0.5"|"1"|"2"|"4"], detection.ap50CI,
// segmentation.diceCI (each [low, high]) and bootstrap { replicates, seed, level }.
export function metricsJson(m: EvaluationMetrics): object {
  const c = m.classification;
  const ci = m.intervals;
  return {
    classification: {
      auc: c.auc, accuracy: c.accuracy, sensitivity: c.sensitivity, specificity: c.specificity, macroAuc: c.macroAuc,
      ...(ci ? { aucCI: ci.auc, accuracyCI: ci.accuracy } : {}),
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
    .option('--json', 'print the metrics as JSON');
  addDataOptions(cmd);
  addThreadsOption(cmd);
  cmd.addHelpText('after', `
Metrics are computed in the model's input frame (images letterboxed to S x S).
--json prints { classification: { auc, accuracy, sensitivity, specificity, macroAuc },
  detection: { froc: { "0.5", "1", "2", "4" }, ap50 }, segmentation: { dice, iou }, images }
(a metric undefined on the data, e.g. AUC without malignant images, is null).

Examples:
  ftmtlnet eval --model runs/demo/checkpoint --count 100 --json
  ftmtlnet eval --model runs/mias/best --data ../shared/data/mias --format mias`);
  cmd.action(async (flags: EvalFlags) => {
    if (flags.threads) setNumThreads(flags.threads);
    const model = await loadModel(flags.model);
    const dataset = await loadSamples({
      data: flags.data, format: flags.format, size: model.config.imageSize, count: flags.count ?? 100, seed: flags.dataSeed, start: flags.start,
    });
    for (const s of dataset.skipped) process.stderr.write(`skipped ${s.id}: ${s.reason}\n`);
    const { metrics } = await validate(model, dataset.samples, { batchSize: flags.batch });
    if (flags.json) process.stdout.write(JSON.stringify(metricsJson(metrics), null, 2) + '\n');
    else process.stdout.write(formatMetricsTable(metrics) + '\n');
  });
}
