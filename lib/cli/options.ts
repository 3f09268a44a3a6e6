// Option parsers and shared option sets of the CLI commands (commander 14).
import { Command, InvalidArgumentError, Option } from 'commander';
import { DATA_FORMATS } from './data-source';
import { TTA_MODES, type Preset } from '../model/config';

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

// The flags `train` and `ablate` share besides the recipe's (lib/cli/recipe.ts addRecipeOptions:
// preset, size, epochs, batch, lr, loss weights, ...): the seed, the output folder, the
// validation share and --json. preset/size are the recipe's, filled in by the command.
export interface TrainingFlags {
  preset: Preset;
  size: number;
  seed: number;
  out?: string;
  valFraction?: number;   // undefined: the command's own default (train: from the recipe)
  json?: boolean;
}

export interface TrainingOptionDefaults {
  valFraction?: number;   // undefined: no commander default (the command decides)
  help: { seed: string; out: string; valFraction: string; json: string };
}

export function addTrainingOptions(cmd: Command, d: TrainingOptionDefaults): Command {
  return cmd
    .option('--seed <n>', d.help.seed, parseIntArg('--seed', 0), 0)
    .option('--out <dir>', d.help.out)
    .option('--val-fraction <f>', d.help.valFraction, parseNumberArg('--val-fraction', 0), d.valFraction)
    .option('--json', d.help.json);
}

// The names of the options the user typed (not defaults), as commander's camel-case keys.
export function givenOptions(cmd: Command): Set<string> {
  return new Set(cmd.options.map((o) => o.attributeName()).filter((k) => cmd.getOptionValueSource(k) === 'cli'));
}

// --init: start the weights from another checkpoint (tensors matched by name and shape).
export function addInitOption(cmd: Command): Command {
  return cmd.option('--init <checkpoint>', 'start from this checkpoint folder\'s weights where names and shapes match (e.g. a model trained on phantoms); the rest start fresh');
}

// --tta on eval and predict: overrides the checkpoint's config.tta for this run.
export function addTtaOverrideOption(cmd: Command): Command {
  return cmd.addOption(new Option('--tta <mode>', "test-time augmentation: flips (the image and its three mirror images, averaged) or none (default: the checkpoint's config.tta)").choices([...TTA_MODES]));
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
