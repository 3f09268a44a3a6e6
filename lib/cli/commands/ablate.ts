// `ftmtlnet ablate`: the paper's claim, measured. Trains transfer 'full' (FTMTLNet) and 'none'
// (the parallel multi-task baseline) with the same seeds, data and budget.
// - Phantoms: one seed, evaluated on the same held-out phantoms, metrics side by side.
// - A real data set: the same k patient-level cross-validation folds for both arms and every
//   seed (default 3); the AUC difference with the paired DeLong test, and FROC / AP / Dice
//   differences with paired bootstrap intervals (images resampled).
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { Command } from 'commander';
import type { EvaluationMetrics } from '../../eval/metrics';
import type { Transfer } from '../../model/config';
import { validate } from '../../train/validate';
import { datasetClasses, loadSamples, splitSamples, type DataFormat } from '../data-source';
import { addDataOptions, addInitOption, addThreadsOption, addTrainingOptions, parseIntArg, timestamp } from '../options';
import { trainModel } from '../train-run';
import { metricsJson } from './eval';
import { parseFoldList } from './cv';
import { formatMetricsTable } from '../../report/summary-table';
import { addRecipeOptions, describeRecipe, preprocessFor, recipeFromFlags, recipeTraining, type Recipe, type RecipeName } from '../recipe';
import { runCrossValidation } from '../cross-validation';
import { compareArms, type AblationSummary } from '../../eval/ablation-stats';
import type { ImageRecord } from '../../eval/image-records';
import type { HeadlineMetrics, MetricIntervals } from '../../eval/bootstrap';
import { featureJoins, type FeatureJoins } from '../../model/joins';

// What differs between the two runs: the task-to-task transfers; the U-Net skip joins of the
// segmentation decoder (also featureTransfer blocks) are in both.
function joinsLine(j: Record<Transfer, FeatureJoins>): string {
  const count = (t: Transfer) => `${j[t].taskTransfers.length} task-to-task transfer(s) + ${j[t].skipJoins.length} U-Net skip join(s)`;
  return `feature joins: full = ${count('full')}; none = ${count('none')}`;
}

interface AblateFlags {
  data?: string;
  format?: DataFormat;
  count?: number;
  dataSeed: number;
  seed: number;
  seeds: number;
  folds: number;
  fold?: number[];
  foldSeed: number;
  bootstrap: number;
  threads?: number;
  out?: string;
  init?: string;
  valFraction: number;
  testCount: number;
  json?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('ablate')
    .description("Train transfer 'full' and 'none' with the same seeds, data and budget; compare them (paired tests on real data)")
    .option('--seeds <n>', 'real data: number of seeds (seed, seed+1, ...)', parseIntArg('--seeds', 1), 3)
    .option('--folds <k>', 'real data: cross-validation folds', parseIntArg('--folds', 2), 5)
    .option('--fold <list>', 'real data: run only these folds (1-based); finished folds in --out are read back', parseFoldList)
    .option('--fold-seed <n>', 'real data: seed of the patient-to-fold assignment', parseIntArg('--fold-seed', 0), 0)
    .option('--bootstrap <n>', 'bootstrap replicates of the paired intervals', parseIntArg('--bootstrap', 1), 2000)
    .option('--test-count <n>', 'synthetic: held-out phantoms to evaluate on', parseIntArg('--test-count', 1), 100);
  addRecipeOptions(cmd);
  addTrainingOptions(cmd, {
    valFraction: 0.15,
    help: {
      seed: 'first seed (phantoms: the one seed)', out: 'folder for the runs (default runs/ablate-<timestamp>)',
      valFraction: 'phantoms: share of the training phantoms used for validation (real data: --folds)', json: 'print the comparison as JSON',
    },
  });
  addInitOption(cmd);
  addDataOptions(cmd);
  addThreadsOption(cmd);
  cmd.addHelpText('after', `
Both arms see the same images in the same order with the same augmentation draws and the same
initial weights where the architectures share them; only the feature-transfer paths differ.
On a real data set each (arm, seed) is a full patient-level cross-validation in
<out>/<arm>/seed-<s>/ (rerun with the same --out to resume; finished folds are read back).

Examples:
  ftmtlnet ablate --count 300 --epochs 8
  ftmtlnet ablate --data ../shared/data/mias --format mias --seeds 3 --folds 5 --out runs/ablate`);
  cmd.action(async (flags: AblateFlags) => {
    const { name, recipe } = recipeFromFlags(cmd, flags as unknown as Record<string, unknown>);
    const out = flags.out ?? path.join('runs', `ablate-${timestamp()}`);
    process.stderr.write(describeRecipe(name, recipe) + '\n');
    const synthetic = !flags.data || flags.format === 'synthetic';
    if (synthetic) await ablatePhantoms(flags, recipe, out);
    else await ablateRealData(flags, name, recipe, out);
  });
}

async function ablatePhantoms(flags: AblateFlags, r: Recipe, out: string): Promise<void> {
  const dataset = await loadSamples({ count: flags.count ?? 300, size: r.size, seed: flags.dataSeed });
  const classes = datasetClasses(dataset);
  const { train, val } = splitSamples(dataset.samples, flags.valFraction, flags.seed);
  const test = (await loadSamples({ size: r.size, count: flags.testCount, seed: flags.dataSeed, start: 1_000_000 })).samples;
  const results = {} as Record<Transfer, EvaluationMetrics>;
  const joins = {} as Record<Transfer, FeatureJoins>;
  for (const transfer of ['full', 'none'] as Transfer[]) {
    process.stderr.write(`\n== transfer: ${transfer}\n`);
    const { model, result } = await trainModel({
      ...recipeTraining(r), train, val, classes, preset: r.preset, size: r.size, preprocess: preprocessFor(r.preprocess), transfer,
      seed: flags.seed, threads: flags.threads, out: path.join(out, transfer), init: flags.init,
    });
    results[transfer] = (await validate(model, test, { batchSize: r.batch })).metrics;
    joins[transfer] = featureJoins(model);
    process.stderr.write(`transfer ${transfer}: ${result.seconds.toFixed(0)} s\n`);
  }
  const json = { full: metricsJson(results.full), none: metricsJson(results.none), images: test.length, joins };
  await fsp.writeFile(path.join(out, 'ablation.json'), JSON.stringify(json, null, 2) + '\n');
  if (flags.json) process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  else process.stdout.write(`\n${formatMetricsTable({ 'full (FTMTLNet)': results.full, 'none (baseline)': results.none })}\n(held-out images; runs in ${out})\n${joinsLine(joins)}\n`);
}

async function ablateRealData(flags: AblateFlags, name: RecipeName, r: Recipe, out: string): Promise<void> {
  const log = (line: string): void => void process.stderr.write(line + '\n');
  const dataset = await loadSamples({ data: flags.data, format: flags.format, size: r.size, preprocess: preprocessFor(r.preprocess) });
  for (const s of dataset.skipped) log(`skipped ${s.id}: ${s.reason}`);
  const classes = datasetClasses(dataset);
  const seeds = Array.from({ length: flags.seeds }, (_, i) => flags.seed + i);
  const pairs = [];
  for (const seed of seeds) {
    const records = {} as Record<Transfer, ImageRecord[]>;
    for (const transfer of ['full', 'none'] as Transfer[]) {
      log(`\n== transfer ${transfer}, seed ${seed}`);
      const folds = await runCrossValidation({
        samples: dataset.samples, classes, folds: flags.folds, foldSeed: flags.foldSeed, only: flags.fold, recipeName: name, recipe: r,
        transfer, seed, threads: flags.threads, out: path.join(out, transfer, `seed-${seed}`), log, init: flags.init,
      });
      records[transfer] = folds.flatMap((f) => f.records);
    }
    pairs.push({ seed, a: records.full, b: records.none });
  }
  const summary = compareArms(pairs, classes, { replicates: flags.bootstrap, seed: 0 });
  const json = { recipe: { name, ...r }, folds: flags.folds, onlyFolds: flags.fold?.map((k) => k + 1) ?? null, seeds, ...summary };
  await fsp.mkdir(out, { recursive: true });
  await fsp.writeFile(path.join(out, 'ablation.json'), JSON.stringify(json, null, 2) + '\n');
  if (flags.json) process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  else process.stdout.write(`\n${formatAblation(summary)}\n(A = full, B = none; held-out cross-validation predictions; runs in ${out})\n`);
}

const num = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

// The comparison as text: per seed and pooled, A, B, A - B [95% paired bootstrap], DeLong p.
export function formatAblation(s: AblationSummary): string {
  const rows: [string, (m: HeadlineMetrics) => number, (i: MetricIntervals) => [number, number]][] = [
    ['AUC (malignant vs rest)', (m) => m.auc, (i) => i.auc], ['AUC bilateral', (m) => m.aucBilateral, (i) => i.aucBilateral], ['accuracy', (m) => m.accuracy, (i) => i.accuracy],
    ['FROC @ 0.5 FP/img', (m) => m.froc['0.5'], (i) => i.froc['0.5']], ['FROC @ 1 FP/img', (m) => m.froc['1'], (i) => i.froc['1']],
    ['FROC @ 2 FP/img', (m) => m.froc['2'], (i) => i.froc['2']], ['FROC @ 4 FP/img', (m) => m.froc['4'], (i) => i.froc['4']],
    ['AP @ IoU 0.5', (m) => m.ap50, (i) => i.ap50], ['Dice (images with a mass)', (m) => m.dice, (i) => i.dice],
  ];
  const blocks = [...s.perSeed.map((p) => [`seed ${p.seed}`, p] as const), [`all ${s.perSeed.length} seed(s)`, s.pooled] as const];
  const lines: string[] = [];
  for (const [title, c] of blocks) {
    lines.push(`${title}  (${s.images} images)`, `${'metric'.padEnd(26)}${'full'.padStart(8)}${'none'.padStart(8)}   full - none [95% paired bootstrap]`);
    for (const [label, get, ci] of rows) {
      const [lo, hi] = ci(c.paired.intervals);
      lines.push(`${label.padEnd(26)}${num(get(c.a)).padStart(8)}${num(get(c.b)).padStart(8)}   ${num(get(c.paired.difference))} [${num(lo)}, ${num(hi)}]`);
    }
    const d = c.delong;
    lines.push(d ? `DeLong paired test of the AUCs${title.startsWith('all') ? ' (seed-averaged probabilities)' : ''}: ${num(d.aucA)} vs ${num(d.aucB)}, z = ${d.z.toFixed(2)}, p = ${d.p.toFixed(3)}` : 'DeLong: AUC undefined on these images', '');
  }
  return lines.join('\n');
}
