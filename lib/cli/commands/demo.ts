// `ftmtlnet demo` (what `npm start` runs): generate phantoms, train a small FTMTLNet on the
// CPU, evaluate on held-out phantoms, write a run folder (checkpoint, metrics.json, training
// curve, ROC and FROC plots, prediction overlays) and print a summary table.
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { Command } from 'commander';
import { generatePhantoms } from '../../data/phantom';
import { capabilities, setNumThreads } from '../../capabilities';
import { frocCurvePng, rocCurvePng, trainingCurvePng, type EpochLog } from '../../report/plots';
import { renderOverlay } from '../../report/overlay';
import { formatMetricsTable } from '../../report/summary-table';
import type { EpochRecord } from '../../train/trainer';
import { curves, validate } from '../../train/validate';
import { DEMO_TARGETS, FULL_DEMO, QUICK_DEMO, type DemoConfig } from '../demo-config';
import { addThreadsOption, parseIntArg, timestamp } from '../options';
import { trainModel } from '../train-run';
import { metricsJson } from './eval';

interface DemoFlags {
  out?: string;
  quick?: boolean;
  seed: number;
  threads?: number;
  epochs?: number;
}

const CLASSES = ['normal', 'benign', 'malignant'];

// The trainer's history in the plot module's shape.
export function epochLogs(history: EpochRecord[]): EpochLog[] {
  return history.map((h) => ({
    epoch: h.epoch,
    trainLoss: h.train.total ?? NaN,
    valLoss: h.val?.total,
    metrics: h.metrics ? { AUC: h.metrics.classification.auc, Dice: h.metrics.segmentation.dice, 'FROC@1': h.metrics.detection.froc['1'] } : undefined,
  }));
}

export async function runDemo(flags: DemoFlags): Promise<{ out: string; passed: boolean | null }> {
  const started = Date.now();
  const cfg: DemoConfig = { ...(flags.quick ? QUICK_DEMO : FULL_DEMO) };
  if (flags.epochs) cfg.epochs = flags.epochs;
  const out = flags.out ?? path.join('runs', timestamp());
  await fsp.mkdir(out, { recursive: true });
  if (flags.threads) setNumThreads(flags.threads);
  const caps = capabilities();
  const say = (s: string): void => void process.stderr.write(s + '\n');
  say(`ftmtlnet demo${flags.quick ? ' (quick)' : ''}: ${cfg.trainCount} training, ${cfg.valCount} validation and ${cfg.testCount} held-out test phantoms at ${cfg.size}x${cfg.size}; preset ${cfg.preset}, ${cfg.epochs} epochs on ${caps.threads} CPU thread(s) (${caps.simd})`);

  // Disjoint index ranges of one seeded generator: train, validation, test never overlap.
  const seed = flags.seed;
  const gen = (count: number, start: number) => generatePhantoms({ count, size: cfg.size, seed: seed + 1, start });
  const train = gen(cfg.trainCount, 0);
  const val = gen(cfg.valCount, 500_000);
  const test = gen(cfg.testCount, 1_000_000);

  const { model, result } = await trainModel({
    train, val, classes: CLASSES, preset: cfg.preset, size: cfg.size, transfer: 'full', epochs: cfg.epochs, batch: cfg.batch,
    lr: cfg.lr, seed, out, loss: cfg.loss, timeBudget: cfg.trainBudget,
  });
  const trainSeconds = result.seconds;

  const evaluation = await validate(model, test, { batchSize: cfg.batch });
  const metrics = evaluation.metrics;
  await fsp.writeFile(path.join(out, 'metrics.json'), JSON.stringify(metricsJson(metrics), null, 2) + '\n');
  const c = curves(evaluation, CLASSES);
  await fsp.writeFile(path.join(out, 'training-curve.png'), await trainingCurvePng(epochLogs(result.history), { title: 'FTMTLNet training on phantoms' }));
  await fsp.writeFile(path.join(out, 'roc.png'), await rocCurvePng(c.roc, { auc: metrics.classification.auc, title: 'ROC, malignant vs rest (held-out phantoms)' }));
  await fsp.writeFile(path.join(out, 'froc.png'), await frocCurvePng(c.froc, { lesions: c.lesions, title: 'FROC (held-out phantoms)' }));
  const overlayDir = path.join(out, 'overlays');
  await fsp.mkdir(overlayDir, { recursive: true });
  // A few test images of each class, with ground truth and prediction drawn.
  const picks: number[] = [];
  for (const label of ['malignant', 'benign', 'normal']) {
    evaluation.samples.forEach((s, i) => { if (s.label === label && picks.filter((p) => evaluation.samples[p].label === label).length < Math.ceil(cfg.overlays / 3)) picks.push(i); });
  }
  for (const i of picks.slice(0, cfg.overlays)) {
    const s = evaluation.samples[i];
    const p = evaluation.predictions[i];
    const png = await renderOverlay(s.image, { ...p, detections: p.detections.map((d) => ({ box: [...d.box], score: d.score })) }, { groundTruth: { boxes: s.boxes, mask: s.mask, label: s.label } });
    await fsp.writeFile(path.join(overlayDir, `${s.id}-${s.label}-as-${p.label}.png`), png);
  }

  const seconds = (Date.now() - started) / 1000;
  const m = metricsJson(metrics) as { classification: { auc: number }; detection: { froc: Record<string, number> }; segmentation: { dice: number } };
  const checks = [
    ['AUC', m.classification.auc, DEMO_TARGETS.auc],
    ['Dice', m.segmentation.dice, DEMO_TARGETS.dice],
    ['FROC@1', m.detection.froc['1'], DEMO_TARGETS.froc1],
  ] as const;
  const passed = flags.quick ? null : checks.every(([, v, t]) => v >= t);
  const lines = [
    '',
    `FTMTLNet demo — held-out phantoms (${metrics.images} images), best epoch ${result.best?.epoch ?? '-'} of ${result.epochsRun}`,
    formatMetricsTable(metrics),
    '',
    ...(flags.quick ? ['targets: not checked in --quick mode'] : checks.map(([name, v, t]) => `target ${name.padEnd(7)} >= ${t.toFixed(2)}: ${Number.isFinite(v) ? v.toFixed(3) : 'n/a'}  ${v >= t ? 'PASS' : 'FAIL'}`)),
    `training ${trainSeconds.toFixed(0)} s, total ${seconds.toFixed(0)} s (${(seconds / 60).toFixed(1)} min)${result.recoveries ? `, ${result.recoveries} NaN step(s) undone` : ''}`,
    `run folder: ${out} (best/ checkpoint, last/ resumable checkpoint, metrics.json, history.json, training-curve.png, roc.png, froc.png, overlays/)`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return { out, passed };
}

export function register(program: Command): void {
  const cmd = program
    .command('demo')
    .description('Generate phantoms, train a small FTMTLNet on the CPU, evaluate on held-out phantoms, write a run folder (what `npm start` runs)')
    .option('--out <dir>', 'run folder (default runs/<timestamp>)')
    .option('--quick', 'a ~1 minute smoke run (tiny data and model budget; no targets)')
    .option('--seed <n>', 'seed of the phantoms, weights and training', parseIntArg('--seed', 0), 0)
    .option('--epochs <n>', 'override the number of epochs', parseIntArg('--epochs', 1));
  addThreadsOption(cmd);
  cmd.addHelpText('after', `
The full demo trains for about ${FULL_DEMO.epochs} epochs on ${FULL_DEMO.trainCount} phantoms (${FULL_DEMO.size}x${FULL_DEMO.size}) and checks
AUC >= ${DEMO_TARGETS.auc}, Dice >= ${DEMO_TARGETS.dice} and FROC sensitivity >= ${DEMO_TARGETS.froc1} at 1 FP/image on held-out phantoms.

Examples:
  npm start                          # full demo, run folder runs/<timestamp>
  npm start -- --out runs/demo       # choose the run folder
  npm start -- --quick               # smoke test`);
  cmd.action(async (flags: DemoFlags) => {
    const { passed } = await runDemo(flags);
    if (passed === false) process.exitCode = 2;
  });
}
