// Option parsers and shared option sets of the CLI commands (commander 14).
import { Command, InvalidArgumentError, Option } from 'commander';
import { DATA_FORMATS } from './data-source';
import type { Preset } from '../model/config';

export function parseIntArg(name: string, min = -Infinity) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}.`);
    return n;
  };
}

export function parseNumberArg(name: string, min = -Infinity) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`${name} must be a number >= ${min}.`);
    return n;
  };
}

// --data, --format and the synthetic-set options.
export function addDataOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'data set folder (omit for synthetic phantoms)')
    .addOption(new Option('--format <format>', 'data set format (default: synthetic without --data, else detected)').choices([...DATA_FORMATS]))
    .option('--count <n>', 'synthetic: number of phantoms', parseIntArg('--count', 1))
    .option('--data-seed <n>', 'synthetic: generator seed', parseIntArg('--data-seed', 0), 1);
}

// The flags `train` and `ablate` share: model size and input size, the training budget and
// schedule, the seed, the output folder, the validation share, the task weights and --json.
export interface TrainingFlags {
  preset: Preset;
  size: number;
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  out?: string;
  valFraction: number;
  lossWeights: { cls: number; det: number; seg: number };
  json?: boolean;
}

export interface TrainingOptionDefaults {
  epochs: number;
  valFraction: number;
  help: { epochs: string; seed: string; out: string; valFraction: string; json: string };
}

export function addTrainingOptions(cmd: Command, d: TrainingOptionDefaults): Command {
  return cmd
    .addOption(new Option('--preset <preset>', 'model size').choices(['xs', 's', 'm', 'l']).default('xs'))
    .option('--size <pixels>', 'input size S (images are letterboxed to S x S; a multiple of 32)', parseIntArg('--size', 32), 128)
    .option('--epochs <n>', d.help.epochs, parseIntArg('--epochs', 1), d.epochs)
    .option('--batch <n>', 'batch size', parseIntArg('--batch', 1), 8)
    .option('--lr <rate>', 'peak learning rate (warm-up, then cosine decay)', parseNumberArg('--lr', 0), 2e-3)
    .option('--seed <n>', d.help.seed, parseIntArg('--seed', 0), 0)
    .option('--out <dir>', d.help.out)
    .option('--val-fraction <f>', d.help.valFraction, parseNumberArg('--val-fraction', 0), d.valFraction)
    .addOption(new Option('--loss-weights <cls,det,seg>', 'task weights of the multi-task loss').argParser(parseLossWeights).default({ cls: 4, det: 1, seg: 1 }, '4,1,1'))
    .option('--json', d.help.json);
}

// The names of the options the user typed (not defaults), as commander's camel-case keys.
export function givenOptions(cmd: Command): Set<string> {
  return new Set(cmd.options.map((o) => o.attributeName()).filter((k) => cmd.getOptionValueSource(k) === 'cli'));
}

export function addThreadsOption(cmd: Command): Command {
  return cmd.option('--threads <n>', 'CPU threads for the kernels (default: all cores)', parseIntArg('--threads', 1));
}

export function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
}

// --loss-weights cls,det,seg (e.g. 4,1,1)
export function parseLossWeights(v: string): { cls: number; det: number; seg: number } {
  const parts = v.split(',').map(Number);
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x) || x < 0)) {
    throw new InvalidArgumentError('--loss-weights must be three numbers >= 0: cls,det,seg (e.g. 4,1,1).');
  }
  return { cls: parts[0], det: parts[1], seg: parts[2] };
}
