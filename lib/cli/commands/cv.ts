// `ftmtlnet cv`: k-fold patient-level cross-validation of a recipe on a data set; per-fold and
// pooled metrics with 95% bootstrap intervals, as a table or JSON.
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { datasetClasses, loadSamples } from '../data-source';
import { addDataOptions, addInitOption, addThreadsOption, parseIntArg, timestamp } from '../options';
import { addRecipeOptions, describeRecipe, preprocessFor, recipeFromFlags } from '../recipe';
import { runCrossValidation, summariseFolds, type CrossValidationSummary } from '../cross-validation';
import { formatMetricsTable } from '../../report/summary-table';
import { metricsJson } from './eval';
import type { Transfer } from '../../model/config';

export function parseFoldList(v: string): number[] {
  const parts = v.split(',').map((x) => Number(x.trim()));
  if (!parts.length || parts.some((n) => !Number.isInteger(n) || n < 1)) throw new InvalidArgumentError('--fold must be fold numbers from 1, comma-separated (e.g. 1 or 1,3).');
  return parts.map((n) => n - 1);
}

export function cvJson(s: CrossValidationSummary): object {
  return {
    folds: s.folds.map((f) => ({ fold: f.fold + 1, seconds: f.seconds, ...metricsJson(f.metrics) })),
    pooled: metricsJson(s.pooled),
    majorityAccuracy: s.majorityAccuracy,
  };
}

export function cvTable(s: CrossValidationSummary): string {
  const columns = Object.fromEntries([...s.folds.map((f) => [`fold ${f.fold + 1}`, f.metrics]), ['pooled', s.pooled]]);
  return `${formatMetricsTable(columns)}\nmajority-class accuracy (always the most frequent class): ${s.majorityAccuracy.toFixed(3)}`;
}

export function register(program: Command): void {
  const cmd = program
    .command('cv')
    .description('k-fold patient-level cross-validation: per-fold and pooled metrics with 95% bootstrap intervals')
    .option('--folds <k>', 'number of folds', parseIntArg('--folds', 2), 5)
    .option('--fold <list>', 'run only these folds (1-based, comma-separated); finished folds in --out are read back', parseFoldList)
    .option('--fold-seed <n>', 'seed of the patient-to-fold assignment', parseIntArg('--fold-seed', 0), 0)
    .option('--seed <n>', 'seed of the weights, sampling and augmentation', parseIntArg('--seed', 0), 0)
    .addOption(new Option('--transfer <mode>', 'feature transfer: full (FTMTLNet) or none (parallel baseline)').choices(['full', 'none']).default('full'))
    .option('--bootstrap <n>', 'bootstrap replicates of the intervals', parseIntArg('--bootstrap', 1), 2000)
    .option('--out <dir>', 'folder for the folds (models and records.json) and cv.json (default runs/cv-<timestamp>)')
    .option('--json', 'print the result as JSON');
  addRecipeOptions(cmd);
  addInitOption(cmd);
  addDataOptions(cmd);
  addThreadsOption(cmd);
  cmd.addHelpText('after', `
Patients, not images, are split: in mini-MIAS the two breasts of a woman (mdb001/mdb002, ...)
always fall in the same fold; CBIS-DDSM groups by patient_id, INbreast by the patient hash in
its file names, the folder format by "patient" (else a DICOM Patient ID); any other image is
its own patient.
Folds are stratified by each patient's worst label. Each fold trains for the recipe's fixed
number of epochs on the other folds and is evaluated once, on its own images (no model
selection on the held-out fold). "pooled" evaluates every held-out prediction together.

Examples:
  ftmtlnet cv --data ../shared/data/mias --format mias --folds 5 --out runs/cv
  ftmtlnet cv --data ../shared/data/mias --format mias --fold 1 --epochs 8   # one fold, short`);
  cmd.action(async (flags: Record<string, unknown>) => {
    const { name, recipe } = recipeFromFlags(cmd, flags);
    const out = (flags.out as string | undefined) ?? path.join('runs', `cv-${timestamp()}`);
    const log = (line: string): void => void process.stderr.write(line + '\n');
    log(describeRecipe(name, recipe));
    const dataset = await loadSamples({
      data: flags.data as string | undefined, format: flags.format as never, size: recipe.size, count: (flags.count as number | undefined) ?? 300,
      seed: flags.dataSeed as number, preprocess: preprocessFor(recipe.preprocess),
    });
    for (const s of dataset.skipped) log(`skipped ${s.id}: ${s.reason}`);
    const classes = datasetClasses(dataset);
    const results = await runCrossValidation({
      samples: dataset.samples, classes, folds: flags.folds as number, foldSeed: flags.foldSeed as number, only: flags.fold as number[] | undefined,
      recipeName: name, recipe, transfer: flags.transfer as Transfer, seed: flags.seed as number, threads: flags.threads as number | undefined, out, log,
      init: flags.init as string | undefined,
    });
    const summary = summariseFolds(results, classes, { replicates: flags.bootstrap as number, seed: 0 });
    const json = { recipe: { name, ...recipe }, transfer: flags.transfer, seed: flags.seed, folds: flags.folds, ...cvJson(summary) };
    await fsp.mkdir(out, { recursive: true });
    await fsp.writeFile(path.join(out, 'cv.json'), JSON.stringify(json, null, 2) + '\n');
    if (flags.json) process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    else process.stdout.write(`${cvTable(summary)}\n(held-out folds; runs in ${out})\n`);
  });
}
