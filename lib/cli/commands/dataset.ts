// `ftmtlnet dataset DIR --format ...`: what a data set folder holds, and what could not be read.

import type { Command } from 'commander';
import { loadDataset, DATASET_FORMATS, type DatasetFormat } from '../../data/load';
import { summarizeDataset, formatSummary } from '../../data/summary';
import { describeThrown } from '../../data/errors';

export function register(program: Command): void {
  program
    .command('dataset')
    .description('read a data set folder and report counts per label and split, lesions, and skipped items with reasons')
    .argument('<dir>', 'data set folder')
    .option('--format <format>', `${DATASET_FORMATS.join('|')}|auto`, 'auto')
    .option('--json', 'print JSON')
    .action(async (dir: string, opts: { format: string; json?: boolean }) => {
      if (opts.format !== 'auto' && !DATASET_FORMATS.includes(opts.format as DatasetFormat)) {
        process.stderr.write(`ftmtlnet dataset: unknown format ${opts.format}; expected ${DATASET_FORMATS.join(', ')} or auto\n`);
        process.exitCode = 2;
        return;
      }
      const started = process.hrtime.bigint();
      try {
        const ds = await loadDataset(dir, { format: opts.format as DatasetFormat | 'auto' });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const summary = { dir, format: opts.format, seconds: Math.round(seconds * 1000) / 1000, ...summarizeDataset(ds) };
        process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\nread in ${summary.seconds} s\n`);
      } catch (e) {
        process.stderr.write(`ftmtlnet dataset: ${describeThrown(e).split('\n')[0]}\n`);
        process.exitCode = 1;
      }
    });
}
