// Option parsers and shared option sets of the CLI commands (commander 14).
import { Command, InvalidArgumentError, Option } from 'commander';
import { DATA_FORMATS } from './data-source';

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
