// N copies of one checkpoint, each with its own predict worker thread, handed out one job at a
// time: how a queue worker or the Orthanc connector runs N predictions at once.
// Loading a pool from a checkpoint folder: loadModelPool (lib/train/model-checkpoint.ts).
import type { FTMTLNet } from './ftmtlnet';
import { closePredictor } from './predictor';

export class ModelPool {
  private readonly free: FTMTLNet[];
  private readonly waiting: ((m: FTMTLNet) => void)[] = [];

  private constructor(private readonly models: FTMTLNet[]) {
    this.free = [...models];
  }

  static of(models: FTMTLNet[]): ModelPool {
    return new ModelPool(models);
  }

  get size(): number {
    return this.models.length;
  }

  // Runs fn with a model of its own, waiting for one to be free.
  async use<T>(fn: (model: FTMTLNet) => Promise<T>): Promise<T> {
    const model = this.free.pop() ?? (await new Promise<FTMTLNet>((resolve) => this.waiting.push(resolve)));
    try {
      return await fn(model);
    } finally {
      const next = this.waiting.shift();
      if (next) next(model); else this.free.push(model);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.models.map((m) => closePredictor(m)));
  }
}
