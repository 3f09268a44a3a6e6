// CBIS-DDSM reader: mass and calc case-description CSVs (train and test), the full-mammogram DICOMs
// and ROI-mask DICOMs they reference; pathology MALIGNANT / BENIGN / BENIGN_WITHOUT_CALLBACK.
//
// The CSV paths (<case folder>/<study uid>/<series uid>/000000.dcm) rarely match the TCIA download
// (<case folder>/<date-study>/<n.000000-series>/1-1.dcm), so a path is resolved first as written,
// then by its case folder: the full image is the one DICOM under "<case>", and the ROI mask is the
// DICOM under "<case>_<n>" with the full image's size (the other one there is the cropped patch).

import { readFile, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { DataFormatError, asDataFormatError } from './errors';
import { maskBox } from './geometry';
import { readImageFile } from './image-file';
import { mapLimited } from './read-queue';
import { resizeMask } from './resample';
import type { Box, Dataset, Lesion, Sample, SkippedItem } from './sample';
import type { ReaderOptions } from './reader-options';

export interface CbisOptions {
  pathologyMap?: Record<string, string>;
}

export const DEFAULT_PATHOLOGY_MAP: Record<string, string> = { MALIGNANT: 'malignant', BENIGN: 'benign', BENIGN_WITHOUT_CALLBACK: 'benign' };

export interface CbisRow {
  csv: string; line: number; split: string; type: 'mass' | 'calcification';
  patientId: string; side: string; view: string; abnormalityId: string; pathology: string;
  imagePath: string; maskPath: string; assessment: string;
}

export function parseCbisCsv(text: string, file: string): { rows: CbisRow[]; skipped: SkippedItem[] } {
  let records: Record<string, string>[];
  try {
    records = parseCsv(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase().replace(/[^a-z]+/g, '_')), skip_empty_lines: true, bom: true, relax_column_count: true });
  } catch (e) {
    throw asDataFormatError(file, e, 'malformed CSV');
  }
  const name = file.split(sep).pop()!.toLowerCase();
  const split = /test/.test(name) ? 'test' : /train/.test(name) ? 'train' : 'unknown';
  const rows: CbisRow[] = [];
  const skipped: SkippedItem[] = [];
  records.forEach((r, k) => {
    const line = k + 2;
    const get = (c: string) => (r[c] ?? '').trim();
    const imagePath = get('image_file_path'), maskPath = get('roi_mask_file_path'), pathology = get('pathology').toUpperCase();
    const typeText = (get('abnormality_type') || (/calc/.test(name) ? 'calcification' : 'mass')).toLowerCase();
    if (!imagePath || !maskPath || !pathology || !get('patient_id')) {
      skipped.push({ id: get('patient_id') || `line ${line}`, file, reason: `malformed CSV row ${line}: missing patient_id, pathology, image file path or ROI mask file path` });
      return;
    }
    rows.push({
      csv: file, line, split, type: typeText.startsWith('calc') ? 'calcification' : 'mass',
      patientId: get('patient_id'), side: get('left_or_right_breast').toUpperCase(), view: get('image_view').toUpperCase(),
      abnormalityId: get('abnormality_id'), pathology, imagePath, maskPath, assessment: get('assessment'),
    });
  });
  return { rows, skipped };
}

async function walk(dir: string, depth: number, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory() && depth > 0) await walk(p, depth - 1, out);
    else if (e.isFile() && /\.dcm$/i.test(e.name)) out.push(p);
  }
}

// Index of the DICOMs under `dir`: by relative path and by every folder name above them.
class DicomIndex {
  readonly byPath = new Map<string, string>();
  readonly byFolder = new Map<string, string[]>();
  constructor(readonly dir: string, files: string[]) {
    for (const f of files) {
      const parts = relative(dir, f).split(sep);
      this.byPath.set(parts.join('/'), f);
      if (parts[0] === 'CBIS-DDSM') this.byPath.set(parts.slice(1).join('/'), f);
      for (const folder of new Set(parts.slice(0, -1))) {
        const list = this.byFolder.get(folder) ?? [];
        list.push(f);
        this.byFolder.set(folder, list);
      }
    }
  }
  candidates(csvPath: string): string[] {
    const clean = csvPath.replace(/\\/g, '/').replace(/^\/+/, '');
    const exact = this.byPath.get(clean);
    if (exact) return [exact];
    return this.byFolder.get(clean.split('/')[0]) ?? [];
  }
}

export function cbisImageId(row: CbisRow): string {
  const first = row.imagePath.replace(/\\/g, '/').split('/')[0];
  return first && first !== row.imagePath ? first : `${row.patientId}_${row.side}_${row.view}_${row.type}`;
}

async function readRoiMask(row: CbisRow, index: DicomIndex, width: number, height: number, warnings: string[]): Promise<Uint8Array> {
  const files = index.candidates(row.maskPath);
  if (!files.length) throw new DataFormatError(row.csv, `missing image: ROI mask ${row.maskPath} (row ${row.line}) not found`);
  const read = await Promise.all(files.map(async (f) => ({ f, l: await readImageFile(f, { window: 'minmax' }) })));
  const same = read.filter((r) => r.l.image.width === width && r.l.image.height === height);
  let chosen = same.length === 1 ? same[0] : same.length > 1 ? same.find((r) => /mask|1-2|000001/i.test(r.f)) ?? same[0] : null;
  if (!chosen) {
    // CBIS quirk: some masks differ from their image by a few pixels; take the largest and resample.
    chosen = read.slice().sort((a, b) => b.l.image.width * b.l.image.height - a.l.image.width * a.l.image.height)[0];
    const { width: mw, height: mh } = chosen.l.image;
    if (Math.abs(mw - width) > 0.05 * width || Math.abs(mh - height) > 0.05 * height) {
      throw new DataFormatError(chosen.f, `ROI mask is ${mw}x${mh} but its image is ${width}x${height}`);
    }
    warnings.push(`${chosen.f}: ROI mask ${mw}x${mh} resampled to the image's ${width}x${height}`);
  }
  const values = chosen.l.dicom ? chosen.l.dicom.values : chosen.l.image.data;
  const m = new Uint8Array(values.length);
  for (let i = 0; i < m.length; i++) m[i] = values[i] > 0 ? 1 : 0;
  const { width: mw, height: mh } = chosen.l.image;
  return mw === width && mh === height ? m : resizeMask(m, mw, mh, width, height);
}

async function readCbisImage(id: string, rows: CbisRow[], index: DicomIndex, label: string): Promise<Sample> {
  const first = rows[0];
  const files = index.candidates(first.imagePath);
  if (files.length === 0) throw new DataFormatError(first.csv, `missing image: ${first.imagePath} (row ${first.line}) not found`);
  if (files.length > 1) throw new DataFormatError(first.csv, `${first.imagePath} (row ${first.line}) matches ${files.length} DICOMs under ${id}; expected one full mammogram`);
  const loaded = await readImageFile(files[0], { window: 'minmax' });
  const { width, height } = loaded.image;
  const mask = new Uint8Array(width * height);
  const boxes: Box[] = [];
  const lesions: Lesion[] = [];
  const warnings: string[] = [];
  for (const row of rows) {
    const roi = await readRoiMask(row, index, width, height, warnings);
    const box = maskBox(roi, width, height);
    if (!box) { warnings.push(`${row.maskPath}: ROI mask is empty (row ${row.line})`); continue; }
    const lesionLabel = DEFAULT_PATHOLOGY_MAP[row.pathology] ?? row.pathology.toLowerCase();
    if (row.type === 'mass') {
      for (let i = 0; i < roi.length; i++) mask[i] |= roi[i];
      boxes.push(box);
    }
    lesions.push({ box, kind: row.type, label: lesionLabel });
  }
  const side = first.side === 'LEFT' ? 'L' : first.side === 'RIGHT' ? 'R' : loaded.laterality;
  return {
    id, image: loaded.image, mask, boxes, label,
    meta: {
      source: 'cbis', file: files[0], split: first.split, patientId: first.patientId, lesions, warnings,
      pathologies: rows.map((r) => r.pathology), assessments: rows.map((r) => r.assessment),
      ...(side ? { laterality: side } : {}), ...(first.view || loaded.view ? { view: first.view || loaded.view! } : {}),
    },
  };
}

export async function readCbis(dir: string, options: ReaderOptions & CbisOptions = {}): Promise<Dataset> {
  const names = await readdir(dir).catch((e) => { throw asDataFormatError(dir, e, 'cannot list directory'); });
  const csvs = names.filter((n) => /case_description.*\.csv$/i.test(n)).map((n) => join(dir, n));
  if (!csvs.length) throw new DataFormatError(dir, 'no CBIS-DDSM *case_description*.csv found');
  const map = options.pathologyMap ?? DEFAULT_PATHOLOGY_MAP;
  const classes = [...new Set(Object.values(map))].sort((a, b) => (a === 'benign' ? -1 : b === 'benign' ? 1 : a.localeCompare(b)));
  const skipped: SkippedItem[] = [];
  const groups = new Map<string, CbisRow[]>();
  for (const csv of csvs) {
    const parsed = parseCbisCsv(await readFile(csv, 'utf8'), csv);
    skipped.push(...parsed.skipped);
    for (const row of parsed.rows) {
      if (!(row.pathology in map)) { skipped.push({ id: cbisImageId(row), file: csv, reason: `malformed CSV row ${row.line}: pathology "${row.pathology}" is not one of ${Object.keys(map).join(', ')}` }); continue; }
      const id = cbisImageId(row);
      groups.set(id, [...(groups.get(id) ?? []), row]);
    }
  }
  const files: string[] = [];
  await walk(dir, 6, files);
  const index = new DicomIndex(dir, files);
  const rank = (l: string) => (l === 'malignant' ? 2 : l === 'benign' ? 1 : 0);
  const samples = await mapLimited([...groups], options.concurrency ?? 2, async ([id, rows]) => {
    const label = rows.map((r) => map[r.pathology]).sort((a, b) => rank(b) - rank(a))[0];
    try {
      const s = await readCbisImage(id, rows, index, label);
      return options.transform ? options.transform(s) : s;
    } catch (e) {
      const de = asDataFormatError(rows[0].csv, e);
      skipped.push({ id, file: de.file, reason: de.problem });
      return null;
    }
  });
  return { samples: samples.filter((s): s is Sample => s !== null), skipped, classes };
}
