// What `ftmtlnet queue` reports: the job counts by state and the failed jobs' reasons.
import type { Queue } from 'bullmq';
import type { PredictJobData, PredictJobResult } from './predict-job';

export interface QueueCounts {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
}

export interface FailedJob {
  id: string;
  file: string;
  attempts: number;
  reason: string;
}

export async function queueCounts(queue: Queue<PredictJobData, PredictJobResult>): Promise<QueueCounts> {
  const c = await queue.getJobCounts('wait', 'prioritized', 'active', 'completed', 'failed', 'delayed');
  return { waiting: (c.wait ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, completed: c.completed ?? 0, failed: c.failed ?? 0, delayed: c.delayed ?? 0 };
}

// The most recent failed jobs first, at most `limit`.
export async function failedJobs(queue: Queue<PredictJobData, PredictJobResult>, limit = 100): Promise<FailedJob[]> {
  const jobs = await queue.getFailed(0, limit - 1);
  return jobs.filter(Boolean).map((j) => ({ id: String(j.id), file: j.data?.file ?? '', attempts: j.attemptsMade, reason: j.failedReason ?? '' }));
}
