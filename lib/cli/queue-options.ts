// Options the queue commands (submit, worker, queue) share.
import { Command } from 'commander';
import { checkRedisUrl } from '../queue/redis-connection';
import { DEFAULT_QUEUE } from '../queue/predict-job';

export interface QueueFlags {
  redis: string;
  queue: string;
}

export function addQueueOptions(cmd: Command): Command {
  return cmd
    .option('--redis <url>', 'Redis server holding the queue', (v: string) => checkRedisUrl(v), 'redis://127.0.0.1:6379')
    .option('--queue <name>', 'queue name (workers and submitters of one queue must agree)', DEFAULT_QUEUE);
}
