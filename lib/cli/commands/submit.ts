// `ftmtlnet submit`: queues one prediction job per image on Redis (BullMQ) for `ftmtlnet worker`
// processes to run; --wait follows them with a progress bar until all have finished.
import { Command, Option } from 'commander';
import { Queue } from 'bullmq';
import { SingleBar, Presets } from 'cli-progress';
import { parseIntArg, parseNumberArg } from '../options';
import { addQueueOptions, type QueueFlags } from '../queue-options';
import { openRedis, shownRedisUrl } from '../../queue/redis-connection';
import { collectImages, resultNameClashes, submitImages, waitForJobs } from '../../queue/submit-jobs';
import { DEFAULT_RETRY, type PredictJobData, type PredictJobResult } from '../../queue/predict-job';

interface SubmitFlags extends QueueFlags {
  out: string;
  threshold: number;
  secondaryCapture?: boolean;
  attempts: number;
  backoff: number;
  wait?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('submit')
    .description('Queue one prediction job per image on Redis (BullMQ) for `ftmtlnet worker` to run')
    .argument('<paths...>', 'image files (PNG, PGM, DICOM) or folders (searched recursively)')
    .requiredOption('--out <dir>', 'results folder: <name>.json per image, plus <name>.seg.dcm and <name>.sr.dcm for DICOM (every worker must be able to write it)')
    .addOption(new Option('--threshold <score>', 'minimum detection score').argParser(parseNumberArg('--threshold', 0)).default(0.3))
    .option('--secondary-capture', 'for DICOM images: also write the overlay as a DICOM Secondary Capture')
    .option('--attempts <n>', 'tries per job before it is kept as failed', parseIntArg('--attempts', 1), DEFAULT_RETRY.attempts)
    .option('--backoff <ms>', 'delay before the first retry; doubles with each retry', parseIntArg('--backoff', 0), DEFAULT_RETRY.backoffMs)
    .option('--wait', 'wait until every job has finished, with a progress bar; exit 1 if any failed');
  addQueueOptions(cmd);
  cmd.addHelpText('after', `
Paths are stored as absolute paths: workers on other machines need the same paths (a shared
folder). Submitting an image again re-runs it once its earlier job has finished.

Examples:
  ftmtlnet submit --redis redis://127.0.0.1:6379 --out results/ scans/
  ftmtlnet submit --out results/ a.dcm b.dcm --wait`);
  cmd.action(async (paths: string[], flags: SubmitFlags) => {
    const files = await collectImages(paths);
    const clashes = resultNameClashes(files);
    if (clashes.length) throw new Error(`images with the same name cannot share one results folder: ${clashes.slice(0, 3).join('; ')}${clashes.length > 3 ? ` (and ${clashes.length - 3} more)` : ''}`);
    const connection = await openRedis(flags.redis, { connectTimeoutMs: 10_000 });
    const queue = new Queue<PredictJobData, PredictJobResult>(flags.queue, { connection });
    try {
      const summary = await submitImages(queue, files, {
        out: flags.out, threshold: flags.threshold, secondaryCapture: !!flags.secondaryCapture,
        retry: { attempts: flags.attempts, backoffMs: flags.backoff },
      });
      process.stdout.write(`queued ${summary.added} image(s)${summary.alreadyQueued ? `, ${summary.alreadyQueued} already queued` : ''} on ${flags.queue} at ${shownRedisUrl(flags.redis)}\n`);
      if (!flags.wait) return;
      const bar = new SingleBar({
        format: '[{bar}] {value}/{total} images | failed {failed} | {duration}s, eta {eta}s',
        stream: process.stderr, noTTYOutput: true, notTTYSchedule: 5000, hideCursor: true, clearOnComplete: false,
      }, Presets.shades_classic);
      bar.start(summary.ids.length, 0, { failed: 0 });
      const done = await waitForJobs(queue, summary.ids, (p) => bar.update(p.completed + p.failed.length, { failed: p.failed.length }));
      bar.stop();
      process.stdout.write(`completed ${done.completed}, failed ${done.failed.length}\n`);
      for (const f of done.failed) process.stdout.write(`failed: ${f.file}: ${f.reason}\n`);
      if (done.failed.length) process.exitCode = 1;
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
}
