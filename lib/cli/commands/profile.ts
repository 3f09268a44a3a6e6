// `ftmtlnet profile`: where an FTMTLNet step's time goes, per op kind (calls, forward and
// backward ms, share, GFLOP/s, MB moved, JS between kernels); --json for tools, --trace FILE
// for a trace viewer.
import * as fs from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { profileStep, formatProfile } from '../../profile/index';
import { loadModel } from '../../train/model-checkpoint';
import type { Preset } from '../../model/config';
import { addThreadsOption, parseIntArg } from '../options';

interface ProfileFlags {
  model?: string;
  preset: Preset;
  size: number;
  batch: number;
  train?: boolean;
  threads?: number;
  warmup: number;
  steps: number;
  json?: boolean;
  trace?: string;
}

function parseSize(v: string): number {
  const n = parseIntArg('--size', 32)(v);
  if (n % 32) throw new InvalidArgumentError('--size must be a multiple of 32.');
  return n;
}

export function register(program: Command): void {
  const cmd = program
    .command('profile')
    .description('Profile an FTMTLNet inference forward or training step kernel by kernel: time per op kind, GFLOP/s, bytes moved, JS between kernels')
    .option('--model <dir>', 'profile this checkpoint (config.json + weights.safetensors) instead of a seeded model')
    .addOption(new Option('--preset <preset>', 'seeded model size').choices(['xs', 's', 'm', 'l']).default('s'))
    .option('--size <pixels>', 'seeded model input size S, a multiple of 32', parseSize, 512)
    .option('--batch <n>', 'batch size', parseIntArg('--batch', 1), 4)
    .option('--train', 'profile the training step (forward in train mode, backward, SGD momentum) instead of inference')
    .option('--warmup <n>', 'unprofiled steps first', parseIntArg('--warmup', 0), 2)
    .option('--steps <n>', 'profiled steps, averaged', parseIntArg('--steps', 1), 3)
    .option('--json', 'print the report as JSON')
    .option('--trace <file>', 'write the profiled steps in the Chrome trace event format (chrome://tracing, ui.perfetto.dev)');
  addThreadsOption(cmd);
  cmd.addHelpText('after', `
Each row is an op kind (conv2d, featureTransfer, batchNorm2d, ...): kernel calls per step,
kernel ms in the forward, the backward and the optimizer update, share of the step's wall
time, GFLOP/s (conv, featureTransfer, linear), and MB of tensors read and written. "JS between
kernels" is the step's wall time less its kernel time. The training step is the one
\`npm run bench -- train\` times: backward of sum_i sum(out_i * r_i) over the five outputs
with fixed random r_i, then SGD (lr 1e-3, momentum 0.9).

Examples:
  ftmtlnet profile --preset s --size 512 --batch 4 --train
  ftmtlnet profile --model runs/demo/best --batch 1 --trace step.json`)
    .action(async (flags: ProfileFlags) => {
      const model = flags.model ? await loadModel(flags.model) : undefined;
      const { report, trace } = profileStep({
        model, preset: flags.preset, imageSize: flags.size, batch: flags.batch, train: flags.train ?? false,
        threads: flags.threads, warmup: flags.warmup, steps: flags.steps,
      });
      if (flags.trace) fs.writeFileSync(flags.trace, JSON.stringify(trace));
      process.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : formatProfile(report) + '\n');
      if (flags.trace && !flags.json) process.stdout.write(`trace: ${flags.trace} (${trace.length} events; open in chrome://tracing or ui.perfetto.dev)\n`);
    });
}
