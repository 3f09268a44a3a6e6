// A BullMQ worker that runs queued predictions: one job = one image; its results go to
// OUT/<name>.json (the `predict --json` JSON) plus SEG + SR (+ SC) for a DICOM source, each
// written atomically under its fixed name, so a retried job overwrites its own result. Errors
// the input will raise again fail the job at once; others are retried with backoff. A job whose
// worker died (SIGKILL, power loss) is taken back by BullMQ's stalled-job check once its lock
// expires.
import * as path from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { ModelPool } from '../model/model-pool';
import { writeResults } from '../results/write-results';
import { isInputError } from '../data/source-checks';
import { readBoundedFile } from '../data/dicom';
import { resolveDecodeLimits, type DecodeLimits } from '../data/limits';
import { openRedis, type RedisConnection } from './redis-connection';
import { DEFAULT_QUEUE, type PredictJobData, type PredictJobResult } from './predict-job';
import { predictImage } from '../model/predictor';

// Seed of the results' UIDs: the same source always gets the same SEG/SR UIDs from the queue.
export const QUEUE_UID_SEED = 'ftmtlnet-queue';

export interface PredictWorkerOptions {
  redis: string;
  pool: ModelPool;                 // concurrency = pool.size
  queue?: string;
  lockDurationMs?: number;         // a dead worker's job returns after about this long (default 30 s)
  stalledIntervalMs?: number;      // how often stalled jobs are looked for (default 30 s)
  maxStalledCount?: number;        // times a job may lose its worker before it fails (default 3)
  limits?: Partial<DecodeLimits>;
  log?: (line: string) => void;
}

export interface RunningWorker {
  worker: Worker<PredictJobData, PredictJobResult>;
  // Stops taking jobs, finishes the ones in hand, closes the connection and the model pool.
  close(): Promise<void>;
}

function checkJobData(data: PredictJobData): void {
  for (const key of ['file', 'out'] as const) {
    if (typeof data?.[key] !== 'string' || !path.isAbsolute(data[key])) {
      throw new UnrecoverableError(`Expected an absolute path for job.data.${key} but received ${JSON.stringify(data?.[key])}`);
    }
  }
}

export async function processPredictJob(pool: ModelPool, data: PredictJobData, limits: DecodeLimits): Promise<PredictJobResult> {
  checkJobData(data);
  try {
    // Read once: the same bytes are predicted on and referenced by the DICOM results.
    const bytes = new Uint8Array(await readBoundedFile(data.file, limits));
    const written = await pool.use(async (model) => {
      const prediction = await predictImage(model, bytes, { threshold: data.threshold, limits }).catch((e: Error) => {
        e.message = e.message.replace('<buffer>', data.file);
        throw e;
      });
      return writeResults(data.out, data.file, prediction, { threshold: data.threshold, secondaryCapture: data.secondaryCapture, uidSeed: QUEUE_UID_SEED }, bytes);
    });
    return { json: written.json!, ...(written.seg ? { seg: written.seg, sr: written.sr } : {}), ...(written.sc ? { sc: written.sc } : {}) };
  } catch (e) {
    if (isInputError(e)) throw new UnrecoverableError((e as Error).message);
    throw e;
  }
}

export async function startPredictWorker(options: PredictWorkerOptions): Promise<RunningWorker> {
  const log = options.log ?? (() => {});
  const limits = resolveDecodeLimits(options.limits);
  const connection: RedisConnection = await openRedis(options.redis, { log });
  const worker = new Worker<PredictJobData, PredictJobResult>(
    options.queue ?? DEFAULT_QUEUE,
    async (job: Job<PredictJobData>) => processPredictJob(options.pool, job.data, limits),
    {
      connection,
      concurrency: options.pool.size,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: options.maxStalledCount ?? 3,
      autorun: true,
    },
  );
  worker.on('active', (job) => log(`start ${job.data.file}${job.attemptsStarted > 1 ? ` (try ${job.attemptsStarted})` : ''}`));
  worker.on('completed', (job) => log(`done ${job.data.file} -> ${job.returnvalue?.json}`));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const last = job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError || err.name === 'UnrecoverableError';
    log(`${last ? 'failed' : `failed (try ${job.attemptsMade} of ${job.opts.attempts}, will retry)`} ${job.data.file}: ${err.message}`);
  });
  worker.on('error', (err) => log(`worker error: ${err.message}`));
  let closing: Promise<void> | null = null;
  return {
    worker,
    close: () => (closing ??= (async () => {
      await worker.close();
      await options.pool.close();
      connection.disconnect();
    })()),
  };
}
