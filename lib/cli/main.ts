#!/usr/bin/env node
// The `ftmtlnet` command: each subcommand lives in ./commands/<name>.ts and registers itself here.

import { Command } from 'commander';
import { register as registerInspect } from './commands/inspect';
import { register as registerDataset } from './commands/dataset';

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// The package version, from the nearest package.json above this file (works from lib/ and dist/).
function packageVersion(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) return (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}

export function buildProgram(): Command {
  const program = new Command();
  program.name('ftmtlnet').description('FTMTLNet: multi-task mammogram network (classify, detect, segment)').version(packageVersion());
  registerInspect(program);
  registerDataset(program);
  return program;
}

if (require.main === module) {
  buildProgram().parseAsync(process.argv).catch((e: unknown) => {
    process.stderr.write(`ftmtlnet: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
