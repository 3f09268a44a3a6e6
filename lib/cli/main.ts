#!/usr/bin/env node
// The `ftmtlnet` command line: each subcommand lives in lib/cli/commands/<name>.ts and is listed here.
import * as v8 from 'node:v8';
import { Command } from 'commander';
import { packageVersion } from '../package-version';
import * as synth from './commands/synth';
import * as inspect from './commands/inspect';
import * as dataset from './commands/dataset';
import * as exportCommand from './commands/export';
import * as parity from './commands/parity';
import * as train from './commands/train';
import * as evaluate from './commands/eval';
import * as predict from './commands/predict';
import * as demo from './commands/demo';
import * as ablate from './commands/ablate';
import * as serve from './commands/serve';
import * as submit from './commands/submit';
import * as worker from './commands/worker';
import * as queue from './commands/queue';
import * as orthanc from './commands/orthanc';
import * as cv from './commands/cv';
import * as profile from './commands/profile';
import { addLimitOptions } from './limit-options';

const commands: { register(program: Command): void }[] = [synth, inspect, dataset, exportCommand, parity, train, evaluate, predict, demo, ablate, serve, submit, worker, queue, orthanc, cv, profile];


// configure runs before the subcommands are added, so they inherit its settings (tests use
// it for exitOverride() and configureOutput()).
export function buildProgram(configure?: (program: Command) => void): Command {
  const program = new Command('ftmtlnet')
    .description('FTMTLNet: multi-task mammogram network (classify, detect, segment) on a native engine')
    .version(packageVersion());
  addLimitOptions(program);
  configure?.(program);
  for (const command of commands) command.register(program);
  return program;
}

if (require.main === module) {
  // V8 marks the heap on helper threads while JS runs; during a forward pass or a training step
  // those threads take the cores from the engine's kernel threads, and a kernel waits for its
  // slowest thread (m/256 batch 8: a 128x128 convolution ran 2x slower inside the model than
  // alone, the whole pass 8-10% slower). The command line marks on the main thread instead,
  // between kernels; FTMTLNET_CONCURRENT_GC=1 keeps V8's default. (`npm run bench` runs with
  // --single-threaded-gc for the same reason.) Only when run as the command: importing
  // buildProgram (tests, an embedding app) leaves the process's V8 flags alone.
  if (process.env.FTMTLNET_CONCURRENT_GC !== '1') v8.setFlagsFromString('--no-concurrent-marking');
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: Error) => {
      console.error(`ftmtlnet: ${err.message}`);
      process.exitCode = 1;
    });
}
