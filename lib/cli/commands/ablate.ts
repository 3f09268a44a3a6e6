// `ftmtlnet ablate`: the paper's claim, measured. Trains transfer 'full' (FTMTLNet) and
// 'none' (the parallel multi-task baseline) with the same seed, data and budget, evaluates
// both on the same held-out images, and prints the metrics side by side.
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { Command } from 'commander';
import type { EvaluationMetrics } from '../../eval/metrics';
import type { Transfer } from '../../model/config';
import { validate } from '../../train/validate';
import { datasetClasses, loadSamples, splitSamples, type DataFormat } from '../data-source';
import { addDataOptions, addThreadsOption, addTrainingOptions, parseIntArg, timestamp, type TrainingFlags } from '../options';
import { trainModel } from '../train-run';
import { metricsJson } from './eval';
import { formatMetricsTable } from '../../report/summary-table';
import { featureJoins, type FeatureJoins } from '../../model/joins';

// What differs between the two runs: the task-to-task transfers; the U-Net skip joins of the
// segmentation decoder (also featureTransfer blocks) are in both.
function joinsLine(j: Record<Transfer, FeatureJoins>): string {
  const count = (t: Transfer) => `${j[t].taskTransfers.length} task-to-task transfer(s) + ${j[t].skipJoins.length} U-Net skip join(s)`;
  return `feature joins: full = ${count('full')}; none = ${count('none')}`;
}

interface AblateFlags extends TrainingFlags {
  data?: string;
  format?: DataFormat;
  count?: number;
  dataSeed: number;
  threads?: number;
  testCount: number;
}

export function register(program: Command): void {
  const cmd = program
    .command('ablate')
    .description("Train transfer 'full' and 'none' with the same seed, data and budget; print their metrics side by side")
    .option('--test-count <n>', 'synthetic: held-out phantoms to evaluate on', parseIntArg('--test-count', 1), 100);
  addTrainingOptions(cmd, {
    epochs: 8, valFraction: 0.25,
    help: {
      epochs: 'training epochs of each run', seed: 'seed shared by both runs', out: 'folder for both runs (default runs/ablate-<timestamp>)',
      valFraction: 'share of a real data set held out for evaluation', json: 'print { full, none } metrics as JSON',
    },
  });
  addDataOptions(cmd);
  addThreadsOption(cmd);
  cmd.addHelpText('after', `
Both runs see the same images in the same order with the same augmentation draws and the same
initial weights where the architectures share them; only the feature-transfer paths differ.

Examples:
  ftmtlnet ablate --count 300 --epochs 8
  ftmtlnet ablate --data ../shared/data/mias --format mias --size 256`);
  cmd.action(async (flags: AblateFlags) => {
    const out = flags.out ?? path.join('runs', `ablate-${timestamp()}`);
    const synthetic = !flags.data || flags.format === 'synthetic';
    const dataset = await loadSamples({ data: flags.data, format: flags.format, size: flags.size, count: flags.count ?? 300, seed: flags.dataSeed });
    const classes = datasetClasses(dataset);
    let train: typeof dataset.samples, val: typeof dataset.samples, test: typeof dataset.samples;
    if (synthetic) {
      ({ train, val } = splitSamples(dataset.samples, 0.15, flags.seed));
      test = (await loadSamples({ size: flags.size, count: flags.testCount, seed: flags.dataSeed, start: 1_000_000 })).samples;
    } else {
      ({ train, val: test } = splitSamples(dataset.samples, flags.valFraction, flags.seed));
      val = test;
    }
    const results: Record<Transfer, EvaluationMetrics> = {} as Record<Transfer, EvaluationMetrics>;
    const joins = {} as Record<Transfer, FeatureJoins>;
    for (const transfer of ['full', 'none'] as Transfer[]) {
      process.stderr.write(`\n== transfer: ${transfer}\n`);
      const { model, result } = await trainModel({
        train, val, classes, preset: flags.preset, size: flags.size, transfer, epochs: flags.epochs, batch: flags.batch,
        lr: flags.lr, seed: flags.seed, threads: flags.threads, out: path.join(out, transfer), loss: { weights: flags.lossWeights },
      });
      results[transfer] = (await validate(model, test, { batchSize: flags.batch })).metrics;
      joins[transfer] = featureJoins(model);
      process.stderr.write(`transfer ${transfer}: ${result.seconds.toFixed(0)} s\n`);
    }
    const json = { full: metricsJson(results.full), none: metricsJson(results.none), images: test.length, joins };
    await fsp.writeFile(path.join(out, 'ablation.json'), JSON.stringify(json, null, 2) + '\n');
    if (flags.json) process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    else process.stdout.write(`\n${formatMetricsTable({ 'full (FTMTLNet)': results.full, 'none (baseline)': results.none })}\n(held-out images; runs in ${out})\n${joinsLine(joins)}\n`);
  });
}
