// `ftmtlnet ablate`: the paper's claim, measured. Trains transfer 'full' (FTMTLNet) and
// 'none' (the parallel multi-task baseline) with the same seed, data and budget, evaluates
// both on the same held-out images, and prints the metrics side by side.
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { Command, Option } from 'commander';
import type { EvaluationMetrics } from '../../eval/metrics';
import type { Preset, Transfer } from '../../model/config';
import { validate } from '../../train/validate';
import { datasetClasses, loadSamples, splitSamples, type DataFormat } from '../data-source';
import { addDataOptions, addThreadsOption, parseIntArg, parseLossWeights, parseNumberArg, timestamp } from '../options';
import { trainModel } from '../train-run';
import { metricsJson } from './eval';
import { formatMetricsTable } from '../../report/summary-table';

interface AblateFlags {
  data?: string;
  format?: DataFormat;
  count?: number;
  dataSeed: number;
  preset: Preset;
  size: number;
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  threads?: number;
  out?: string;
  valFraction: number;
  testCount: number;
  json?: boolean;
  lossWeights: { cls: number; det: number; seg: number };
}

export function register(program: Command): void {
  const cmd = program
    .command('ablate')
    .description("Train transfer 'full' and 'none' with the same seed, data and budget; print their metrics side by side")
    .addOption(new Option('--preset <preset>', 'model size').choices(['xs', 's', 'm', 'l']).default('xs'))
    .option('--size <pixels>', 'input size S (a multiple of 32)', parseIntArg('--size', 32), 128)
    .option('--epochs <n>', 'training epochs of each run', parseIntArg('--epochs', 1), 8)
    .option('--batch <n>', 'batch size', parseIntArg('--batch', 1), 8)
    .option('--lr <rate>', 'peak learning rate', parseNumberArg('--lr', 0), 2e-3)
    .option('--seed <n>', 'seed shared by both runs', parseIntArg('--seed', 0), 0)
    .option('--val-fraction <f>', 'share of a real data set held out for evaluation', parseNumberArg('--val-fraction', 0), 0.25)
    .option('--test-count <n>', 'synthetic: held-out phantoms to evaluate on', parseIntArg('--test-count', 1), 100)
    .option('--out <dir>', 'folder for both runs (default runs/ablate-<timestamp>)')
    .addOption(new Option('--loss-weights <cls,det,seg>', 'task weights of the multi-task loss').argParser(parseLossWeights).default({ cls: 4, det: 1, seg: 1 }, '4,1,1'))
    .option('--json', 'print { full, none } metrics as JSON');
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
    for (const transfer of ['full', 'none'] as Transfer[]) {
      process.stderr.write(`\n== transfer: ${transfer}\n`);
      const { model, result } = await trainModel({
        train, val, classes, preset: flags.preset, size: flags.size, transfer, epochs: flags.epochs, batch: flags.batch,
        lr: flags.lr, seed: flags.seed, threads: flags.threads, out: path.join(out, transfer), loss: { weights: flags.lossWeights },
      });
      results[transfer] = (await validate(model, test, { batchSize: flags.batch })).metrics;
      process.stderr.write(`transfer ${transfer}: ${result.seconds.toFixed(0)} s\n`);
    }
    const json = { full: metricsJson(results.full), none: metricsJson(results.none), images: test.length };
    await fsp.writeFile(path.join(out, 'ablation.json'), JSON.stringify(json, null, 2) + '\n');
    if (flags.json) process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    else process.stdout.write(`\n${formatMetricsTable({ 'full (FTMTLNet)': results.full, 'none (baseline)': results.none })}\n(held-out images; runs in ${out})\n`);
  });
}
