// Where the CLI's samples come from: synthetic phantoms (generated in memory, seeded) or a
// data set folder in one of the real formats (lib/data/load.ts), letterboxed to the model's
// size as it is read; and the seeded train/validation split.
import type { Dataset, Sample } from '../data/sample';
import { generatePhantoms } from '../data/phantom';
import { loadDataset, type DatasetFormat } from '../data/load';
import { letterbox } from '../train/augment';
import { preprocessSample } from '../data/preprocess';
import type { PredictPreprocess } from '../model/config';
import { Rng, deriveSeed } from '../train/rng';
import { labelRank, patientKey } from '../data/patient-folds';

export const DATA_FORMATS = ['synthetic', 'folder', 'mias', 'inbreast', 'cbis', 'auto'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

export interface DataSourceOptions {
  data?: string;          // folder; none: synthetic phantoms
  format?: DataFormat;    // default: 'synthetic' without data, else 'auto'
  size: number;           // the model's image size
  count?: number;         // synthetic: number of phantoms
  seed?: number;          // synthetic: generator seed
  start?: number;         // synthetic: index of the first phantom (disjoint ranges, disjoint sets)
  preprocess?: PredictPreprocess; // breast crop / flip / normalisation (the model config's); null or absent: letterbox
}

export async function loadSamples(o: DataSourceOptions): Promise<Dataset> {
  const format = o.format ?? (o.data ? 'auto' : 'synthetic');
  if (format === 'synthetic') {
    const samples = generatePhantoms({ count: o.count ?? 200, size: o.size, seed: o.seed ?? 1, start: o.start ?? 0 });
    return { samples, skipped: [], classes: ['normal', 'benign', 'malignant'] };
  }
  if (!o.data) throw new Error(`--data DIR is required with --format ${format}`);
  const pre = o.preprocess ?? null;
  const transform = pre ? (s: Sample) => preprocessSample(s, { ...pre, size: o.size }).sample : (s: Sample) => letterbox(s, o.size);
  return loadDataset(o.data, { format: format as DatasetFormat | 'auto', transform });
}

// A seeded split into train and validation, patient-level (lib/data/patient-folds.ts: both
// images of a mini-MIAS woman land on the same side) and stratified by each patient's worst
// label so both sides keep every class. With one image per patient this is a per-image split.
export function splitSamples(samples: readonly Sample[], valFraction: number, seed: number): { train: Sample[]; val: Sample[] } {
  const patients = new Map<string, { label: string; members: Sample[] }>();
  for (const s of samples) {
    const key = patientKey(s);
    const p = patients.get(key);
    if (!p) patients.set(key, { label: s.label, members: [s] });
    else {
      p.members.push(s);
      if (labelRank(s.label) > labelRank(p.label)) p.label = s.label;
    }
  }
  const byLabel = new Map<string, Sample[][]>();
  for (const p of patients.values()) byLabel.set(p.label, [...(byLabel.get(p.label) ?? []), p.members]);
  const train: Sample[] = [];
  const val: Sample[] = [];
  for (const [label, group] of [...byLabel.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const order = new Rng(deriveSeed(seed, label.length, group.length)).permutation(group.length);
    const nVal = Math.round(group.length * valFraction);
    order.forEach((idx, k) => (k < nVal ? val : train).push(...group[idx]));
  }
  const byId = (a: Sample, b: Sample): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return { train: train.sort(byId), val: val.sort(byId) };
}

// The class list a data set trains with (phantoms: normal/benign/malignant).
export function datasetClasses(d: Dataset): string[] {
  if (d.classes.length) return d.classes;
  return [...new Set(d.samples.map((s) => s.label))].sort();
}
