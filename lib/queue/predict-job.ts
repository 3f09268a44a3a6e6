// One queued prediction: what a job carries, its id (so the same image for the same folder is
// one job, however often it is submitted), and how it is retried.
import { createHash } from 'node:crypto';
import type { JobsOptions } from 'bullmq';

export const DEFAULT_QUEUE = 'ftmtlnet-predict';

export interface PredictJobData {
  file: string;                 // absolute path of the image (a folder every worker can read)
  out: string;                  // absolute path of the results folder
  threshold: number;            // minimum detection score (predict's --threshold)
  secondaryCapture: boolean;    // also write the overlay as a DICOM Secondary Capture
}

export interface PredictJobResult {
  json: string;                 // the result files written (absolute paths)
  seg?: string;
  sr?: string;
  sc?: string;
}

export interface RetryOptions {
  attempts: number;             // tries per job, the first included
  backoffMs: number;            // first retry delay; doubles each retry
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 3, backoffMs: 2000 };

// Same image, same results folder: same job id.
export function predictJobId(data: Pick<PredictJobData, 'file' | 'out'>): string {
  return createHash('sha256').update(`${data.file}\0${data.out}`).digest('hex').slice(0, 32);
}

export function predictJobOptions(data: PredictJobData, retry: RetryOptions): JobsOptions {
  return {
    jobId: predictJobId(data),
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs },
    removeOnComplete: false,
    removeOnFail: false,        // failed jobs stay with their reason (`ftmtlnet queue`)
  };
}
