// loadDataset: one entry point over all readers, by name or detected from the folder's files.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataFormatError, asDataFormatError } from './errors';
import { readFolderDataset, FOLDER_ANNOTATIONS } from './folder';
import { readMiasOriginal, readMiasPrepared } from './mias';
import { readInbreast, type InbreastOptions } from './inbreast';
import { readCbis, type CbisOptions } from './cbis';
import { preprocessSample, type PreprocessOptions } from './preprocess';
import type { Dataset } from './sample';
import type { ReaderOptions } from './reader-options';

export const DATASET_FORMATS = ['inbreast', 'cbis', 'mias', 'folder'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export interface LoadOptions extends ReaderOptions, InbreastOptions, CbisOptions {
  format?: DatasetFormat | 'auto';
  // Preprocess every sample as it is read (crop, flip, resize to size x size, normalise);
  // the inverse mapping is kept in sample.meta.geometry.
  preprocess?: PreprocessOptions;
}

// Guesses the format from the files in `dir`.
export async function detectFormat(dir: string): Promise<DatasetFormat> {
  const names = await readdir(dir).catch((e) => { throw asDataFormatError(dir, e, 'cannot list directory'); });
  const lower = names.map((n) => n.toLowerCase());
  if (lower.includes(FOLDER_ANNOTATIONS)) return 'folder';
  if (lower.includes('mias.json') || lower.some((n) => /^info\.txt$/.test(n))) return 'mias';
  if (lower.some((n) => /case_description.*\.csv$/.test(n))) return 'cbis';
  if (lower.some((n) => n.endsWith('.csv')) || lower.includes('alldicoms')) return 'inbreast';
  throw new DataFormatError(dir, `cannot tell the data set format (found no ${FOLDER_ANNOTATIONS}, mias.json, Info.txt, *case_description*.csv or INbreast.csv); pass --format`);
}

export async function loadDataset(dir: string, options: LoadOptions = {}): Promise<Dataset> {
  const info = await stat(dir).catch((e) => { throw asDataFormatError(dir, e, 'cannot open data set'); });
  if (!info.isDirectory()) throw new DataFormatError(dir, 'is not a directory');
  const format = !options.format || options.format === 'auto' ? await detectFormat(dir) : options.format;
  if (!DATASET_FORMATS.includes(format)) throw new DataFormatError(dir, `unknown format ${String(format)}; expected one of ${DATASET_FORMATS.join(', ')}`);
  const readerOptions: LoadOptions = { ...options };
  if (options.preprocess) {
    const pre = options.preprocess;
    const user = options.transform;
    readerOptions.transform = (s) => { const p = preprocessSample(s, pre).sample; return user ? user(p) : p; };
  }
  switch (format) {
    case 'folder': return readFolderDataset(dir, readerOptions);
    case 'inbreast': return readInbreast(dir, readerOptions);
    case 'cbis': return readCbis(dir, readerOptions);
    case 'mias': {
      const names = await readdir(dir);
      return names.includes('mias.json') ? readMiasPrepared(dir, readerOptions) : readMiasOriginal(dir, readerOptions);
    }
  }
}

