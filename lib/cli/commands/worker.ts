// `ftmtlnet worker`: runs queued prediction jobs from Redis (BullMQ) until SIGTERM, then
// finishes the jobs in hand and exits 0. Many workers, on one machine or many, share a queue.
import { Command } from 'commander';
import { setNumThreads } from '../../capabilities';
import { startPredictWorker } from '../../queue/run-predict-worker';
import { shownRedisUrl } from '../../queue/redis-connection';
import { addThreadsOption, parseIntArg } from '../options';
import { addQueueOptions, type QueueFlags } from '../queue-options';
import { stderrLog, untilStopSignal } from '../stop-signals';
import { loadModelPool } from '../../train/model-checkpoint';

interface WorkerFlags extends QueueFlags {
  model: string;
  concurrency: number;
  threads?: number;
  lockDuration: number;
  stalledInterval: number;
}

export function register(program: Command): void {
  const cmd = program
    .command('worker')
    .description('Run queued prediction jobs from Redis (BullMQ) until SIGTERM')
    .requiredOption('--model <dir>', 'checkpoint folder (config.json + weights.safetensors)')
    .option('--concurrency <n>', 'jobs run at once (each with its own copy of the model and predict thread)', parseIntArg('--concurrency', 1), 1)
    .option('--lock-duration <ms>', 'a job whose worker died goes back to the queue after about this long', parseIntArg('--lock-duration', 1000), 30_000)
    .option('--stalled-interval <ms>', 'how often to look for jobs whose worker died', parseIntArg('--stalled-interval', 500), 30_000);
  addThreadsOption(cmd);
  addQueueOptions(cmd);
  cmd.addHelpText('after', `
The decode limits (--max-pixels, --max-image-bytes, ...) apply to every job.
SIGTERM (or Ctrl-C) stops taking jobs, finishes the ones in hand and exits 0. A worker killed
outright loses nothing: its job returns to the queue when its lock expires (--lock-duration).

Examples:
  ftmtlnet worker --redis redis://127.0.0.1:6379 --model runs/demo/best
  ftmtlnet worker --model runs/demo/best --concurrency 2 --threads 1`);
  cmd.action(async (flags: WorkerFlags) => {
    if (flags.threads) setNumThreads(flags.threads);
    const stopped = untilStopSignal(stderrLog);
    const pool = await loadModelPool(flags.model, flags.concurrency);
    const running = await startPredictWorker({
      redis: flags.redis, queue: flags.queue, pool, log: stderrLog,
      lockDurationMs: flags.lockDuration, stalledIntervalMs: flags.stalledInterval,
    });
    stderrLog(`worker ready: queue ${flags.queue} at ${shownRedisUrl(flags.redis)}, model ${flags.model}, concurrency ${flags.concurrency}`);
    await stopped;
    await running.close();
    stderrLog('worker stopped');
    process.exit(0);
  });
}
