// N copies of one checkpoint, each with its own predict worker thread, handed out one job at a
// time: how a queue worker or the Orthanc connector runs N predictions at once.
import { FTMTLNet } from './ftmtlnet';

export class ModelPool {
  private readonly free: FTMTLNet[];
  private readonly waiting: ((m: FTMTLNet) => void)[] = [];

  private constructor(private readonly models: FTMTLNet[]) {
    this.free = [...models];
  }

  static async load(dir: string, size = 1): Promise<ModelPool> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`Expected a positive integer for concurrency but received ${size}`);
    const models: FTMTLNet[] = [];
    for (let i = 0; i < size; i++) models.push(await FTMTLNet.load(dir));
    return new ModelPool(models);
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
    await Promise.all(this.models.map((m) => m.closePredictor()));
  }
}
