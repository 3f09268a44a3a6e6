// Options shared by all data-set readers.

import type { Sample } from './sample';

export interface ReaderOptions {
  // Images read at once (default 4).
  concurrency?: number;
  // Applied to each sample right after it is read (e.g. preprocessing to S x S, so that a full
  // resolution data set never sits in memory at once).
  transform?: (sample: Sample) => Sample;
}
