// The service's pool of inference worker threads (piscina): the model is loaded once per
// worker; tasks beyond the workers wait in a bounded queue, and a task that finds the queue full
// is refused at once (QueueFullError -> 503 with Retry-After).
import { Piscina } from 'piscina';
import * as os from 'node:os';
import { workerScript } from '../worker-script';
import type { InferenceTask, InferTaskResult, PredictTaskResult, WorkerSetup } from './inference-worker';
import type { DecodeLimits } from '../data/limits';

export class QueueFullError extends Error {
  constructor(readonly queued: number) {
    super(`the inference queue is full (${queued} waiting); retry later`);
    this.name = 'QueueFullError';
  }
}

export interface InferencePoolOptions {
  modelDir: string;
  workers?: number;        // worker threads (default 1)
  threads?: number;        // native kernel threads per worker (default: cores / workers, at least 1)
  maxQueue?: number;       // tasks waiting for a worker (default 16)
  limits: DecodeLimits;
}

export class InferencePool {
  readonly workers: number;
  readonly maxQueue: number;
  private readonly pool: Piscina;
  private inFlightCount = 0;

  constructor(options: InferencePoolOptions) {
    this.workers = options.workers ?? 1;
    this.maxQueue = options.maxQueue ?? 16;
    const threads = options.threads ?? Math.max(1, Math.floor(os.availableParallelism() / this.workers));
    const { file, execArgv } = workerScript(__filename, 'inference-worker');
    const workerData: WorkerSetup = { modelDir: options.modelDir, threads, limits: options.limits };
    this.pool = new Piscina({
      filename: file,
      ...(execArgv ? { execArgv } : {}),
      minThreads: this.workers,
      maxThreads: this.workers,
      idleTimeout: Infinity,
      maxQueue: this.maxQueue,
      workerData,
    });
    // A worker that fails (its model load, or a crash) rejects its task; the pool must not throw.
    this.pool.on('error', (e: Error) => { this.lastError = e; });
  }

  lastError: Error | null = null;

  // Tasks waiting for a worker.
  get queued(): number {
    return this.pool.queueSize;
  }

  // Tasks submitted and not yet answered (waiting or running).
  get inFlight(): number {
    return this.inFlightCount;
  }

  // Resolves once every worker has loaded the model (each answers one ping).
  async ready(): Promise<void> {
    await Promise.all(Array.from({ length: this.workers }, () => this.pool.run({ kind: 'ping' } satisfies InferenceTask)));
  }

  private async run<T>(task: InferenceTask): Promise<T> {
    if (this.pool.queueSize >= this.maxQueue) throw new QueueFullError(this.pool.queueSize);
    this.inFlightCount++;
    try {
      return (await this.pool.run(task)) as T;
    } catch (e) {
      if (/queue is at limit/i.test((e as Error).message)) throw new QueueFullError(this.pool.queueSize);
      throw e;
    } finally {
      this.inFlightCount--;
    }
  }

  predict(task: Extract<InferenceTask, { kind: 'predict' }>): Promise<PredictTaskResult> {
    return this.run(task);
  }

  infer(task: Extract<InferenceTask, { kind: 'infer' }>): Promise<InferTaskResult> {
    return this.run(task);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
