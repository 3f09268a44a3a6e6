// `ftmtlnet queue`: the prediction queue's job counts (waiting, active, completed, failed,
// delayed) and the failed jobs' reasons.
import { Command } from 'commander';
import { Queue } from 'bullmq';
import { addQueueOptions, type QueueFlags } from '../queue-options';
import { parseIntArg } from '../options';
import { openRedis } from '../../queue/redis-connection';
import { failedJobs, queueCounts } from '../../queue/queue-counts';
import type { PredictJobData, PredictJobResult } from '../../queue/predict-job';

interface QueueCommandFlags extends QueueFlags {
  json?: boolean;
  failedLimit: number;
}

export function register(program: Command): void {
  const cmd = program
    .command('queue')
    .description('Show the prediction queue: waiting, active, completed, failed and delayed jobs, and why jobs failed')
    .option('--json', 'print { "waiting", "active", "completed", "failed", "delayed" } (numbers) and "failedJobs" as JSON')
    .option('--failed-limit <n>', 'most failed jobs listed', parseIntArg('--failed-limit', 0), 20);
  addQueueOptions(cmd);
  cmd.action(async (flags: QueueCommandFlags) => {
    const connection = await openRedis(flags.redis, { connectTimeoutMs: 10_000 });
    const queue = new Queue<PredictJobData, PredictJobResult>(flags.queue, { connection });
    try {
      const counts = await queueCounts(queue);
      const failed = flags.failedLimit > 0 ? await failedJobs(queue, flags.failedLimit) : [];
      if (flags.json) {
        process.stdout.write(JSON.stringify({ ...counts, failedJobs: failed }, null, 2) + '\n');
        return;
      }
      process.stdout.write(Object.entries(counts).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n');
      for (const f of failed) process.stdout.write(`failed after ${f.attempts} tr${f.attempts === 1 ? 'y' : 'ies'}: ${f.file}: ${f.reason}\n`);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
}
