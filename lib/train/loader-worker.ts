// The data loader's worker thread: holds the letterboxed samples and prepares batches on
// request, so augmentation runs while the main thread's kernels train on the current batch.
import { parentPort, workerData } from 'node:worker_threads';
import type { Sample } from '../data/sample';
import { prepareBatch, type BatchRequest } from './batch';

interface Init {
  samples: Sample[];
  size: number;
}

const { samples, size } = workerData as Init;

parentPort!.on('message', (msg: { id: number; req: BatchRequest }) => {
  try {
    const batch = prepareBatch(samples, msg.req, size);
    const transfer = [batch.pixels.buffer as ArrayBuffer, ...batch.samples.map((s) => s.image.data.buffer as ArrayBuffer)];
    // Untransformed samples share buffers with the worker's copy: send those as copies.
    const unique = msg.req.augment ? transfer : [batch.pixels.buffer as ArrayBuffer];
    parentPort!.postMessage({ id: msg.id, batch }, unique);
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: (err as Error).stack ?? String(err) });
  }
});
