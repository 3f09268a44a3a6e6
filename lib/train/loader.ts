// The data loader: seeded shuffling, batching into an (N,1,S,S) image Tensor plus the
// transformed samples, paired augmentation, and prefetch: batches are prepared in a worker
// thread `prefetch` steps ahead, so the CPU kernels never wait on data. Same seed -> same
// batches, whether prepared in the worker or in this thread (prefetch: 0).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Sample } from '../data/sample';
import { Tensor, allocCpu } from '../tensor';
import { describe, expectBool, expectInt, expectOneOf, expectOptions, fail } from '../errors';
import { letterbox, type AugmentOptions } from './augment';
import { prepareBatch, type BatchRequest, type PreparedBatch } from './batch';
import { Rng, deriveSeed } from './rng';

export interface LoaderOptions {
  batchSize: number;
  imageSize: number;
  shuffle?: boolean;                 // default true
  seed?: number;                     // default 0
  augment?: AugmentOptions | false;  // default false
  dropLast?: boolean;                // drop a last partial batch (default false)
  prefetch?: number;                 // batches prepared ahead in a worker; 0 = in this thread (default 2)
  // Data-parallel training: this process (rank) of worldSize takes every worldSize-th position
  // of each epoch's shuffled order, so the shards of one epoch are disjoint and cover the
  // data (their sizes differ by at most one). Default { rank: 0, worldSize: 1 }: everything.
  shard?: { rank: number; worldSize: number };
  // 'uniform' (default): each sample once per epoch. 'balanced': an epoch of the same length
  // drawn with replacement, each class (sample.label) equally likely (Shen et al.'s remedy for
  // a normal-heavy mammography set).
  sampling?: 'uniform' | 'balanced';
}

export interface Batch {
  index: number;       // batch number within the epoch
  images: Tensor;      // (N,1,S,S)
  samples: Sample[];   // transformed samples, S x S frame
  indices: number[];   // positions in the loader's sample list
}

export class DataLoader {
  readonly samples: Sample[];
  readonly batchSize: number;
  readonly imageSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly augment: AugmentOptions | false;
  readonly dropLast: boolean;
  readonly prefetch: number;
  readonly shard: { rank: number; worldSize: number };
  readonly sampling: 'uniform' | 'balanced';
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (b: PreparedBatch) => void; reject: (e: Error) => void }>();

  constructor(samples: readonly Sample[], options: LoaderOptions) {
    if (!Array.isArray(samples) || samples.length === 0) fail('type', 'a non-empty array of samples', 'samples', describe(samples));
    const o = expectOptions<LoaderOptions>(options, 'options');
    this.batchSize = expectInt(o.batchSize, 'options.batchSize', 1);
    this.imageSize = expectInt(o.imageSize, 'options.imageSize', 8);
    this.shuffle = expectBool(o.shuffle ?? true, 'options.shuffle');
    this.seed = expectInt(o.seed ?? 0, 'options.seed', 0);
    this.dropLast = expectBool(o.dropLast ?? false, 'options.dropLast');
    this.prefetch = expectInt(o.prefetch ?? 2, 'options.prefetch', 0, 16);
    this.sampling = expectOneOf(o.sampling ?? 'uniform', ['uniform', 'balanced'] as const, 'options.sampling');
    const shard = expectOptions<{ rank: number; worldSize: number }>(o.shard, 'options.shard');
    const worldSize = expectInt(shard.worldSize ?? 1, 'options.shard.worldSize', 1);
    this.shard = { worldSize, rank: expectInt(shard.rank ?? 0, 'options.shard.rank', 0, worldSize - 1) };
    if (worldSize > samples.length) fail('range', `at most ${samples.length} (the number of samples)`, 'options.shard.worldSize', String(worldSize));
    const aug = o.augment ?? false;
    if (aug !== false && (typeof aug !== 'object' || aug === null)) fail('type', 'augment options or false', 'options.augment', describe(aug));
    this.augment = aug;
    this.samples = samples.map((s) => letterbox(s, this.imageSize));
  }

  // Samples in this process's shard of an epoch.
  get shardSize(): number {
    const { rank, worldSize } = this.shard;
    const n = this.samples.length;
    return Math.floor(n / worldSize) + (rank < n % worldSize ? 1 : 0);
  }

  get length(): number {
    const n = this.shardSize / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  // The sample order of an epoch (a pure function of seed and epoch).
  order(epoch: number): number[] {
    if (this.sampling === 'balanced') return balancedOrder(this.samples, new Rng(deriveSeed(this.seed, 0xba1, epoch)));
    if (!this.shuffle) return this.samples.map((_, i) => i);
    return new Rng(deriveSeed(this.seed, 0x5eed, epoch)).permutation(this.samples.length);
  }

  // This process's share of the epoch's order (all of it without sharding).
  shardOrder(epoch: number): number[] {
    const order = this.order(epoch);
    const { rank, worldSize } = this.shard;
    return worldSize === 1 ? order : order.filter((_, i) => i % worldSize === rank);
  }

  // The batches of one epoch (of this shard), prepared `prefetch` ahead.
  async *batches(epoch: number): AsyncGenerator<Batch> {
    const order = this.shardOrder(epoch);
    const requests: BatchRequest[] = [];
    for (let b = 0; b < this.length; b++) {
      requests.push({ indices: order.slice(b * this.batchSize, (b + 1) * this.batchSize), epoch, seed: this.seed, augment: this.augment });
    }
    const inFlight: Promise<PreparedBatch>[] = [];
    let issued = 0;
    const issue = (): void => {
      while (issued < requests.length && inFlight.length < Math.max(1, this.prefetch)) inFlight.push(this.prepare(requests[issued++]));
    };
    try {
      for (let b = 0; b < requests.length; b++) {
        issue();
        const prepared = await inFlight.shift()!;
        issue(); // keep the worker busy while the caller trains on this batch
        yield this.toBatch(b, requests[b].indices, prepared);
      }
    } finally {
      // Drain requests the caller no longer wants (e.g. early exit from the loop).
      await Promise.allSettled(inFlight);
    }
  }

  // Terminates the worker thread (the loader can still be used; a new one starts on demand).
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private toBatch(index: number, indices: number[], prepared: PreparedBatch): Batch {
    const data = allocCpu(prepared.pixels.length, false);
    data.set(prepared.pixels);
    const s = this.imageSize;
    return { index, indices, samples: prepared.samples, images: new Tensor(data, [indices.length, 1, s, s]) };
  }

  private prepare(req: BatchRequest): Promise<PreparedBatch> {
    if (this.prefetch === 0) {
      try {
        return Promise.resolve(prepareBatch(this.samples, req, this.imageSize));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<PreparedBatch>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref(); // keep the process alive while a batch is owed
      worker.postMessage({ id, req });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const ext = path.extname(__filename);
    const file = path.join(__dirname, `loader-worker${ext}`);
    if (!fs.existsSync(file)) throw new Error(`the data loader worker script is missing: ${file}`);
    const worker = new Worker(file, { workerData: { samples: this.samples, size: this.imageSize } });
    worker.on('message', (msg: { id: number; batch?: PreparedBatch; error?: string }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (this.pending.size === 0) worker.unref();
      if (msg.error) p.reject(new Error(`data loader worker: ${msg.error}`));
      else p.resolve(msg.batch!);
    });
    const failAll = (err: Error): void => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      if (this.worker === worker) this.worker = null;
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`data loader worker exited with code ${code}`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

// n draws with replacement, each class equally likely, uniform within a class.
export function balancedOrder(samples: readonly Sample[], rng: Rng): number[] {
  const byLabel = new Map<string, number[]>();
  samples.forEach((s, i) => byLabel.set(s.label, [...(byLabel.get(s.label) ?? []), i]));
  const groups = [...byLabel.keys()].sort().map((k) => byLabel.get(k)!);
  return samples.map(() => {
    const g = groups[rng.int(groups.length)];
    return g[rng.int(g.length)];
  });
}
