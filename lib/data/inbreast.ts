// INbreast reader: the DICOM folder (AllDICOMs; the patient from each file name), OsiriX XML plist ROI
// files (AllXML, Images[0].ROIs[] with Name, Point_px "(x, y)", NumberOfPoints) and the semicolon CSV
// with Bi-Rads.

import { readFile, readdir } from 'node:fs/promises';
import { join, basename } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { DataFormatError, asDataFormatError } from './errors';
import { boxInside, fillPolygon, maskBox, parsePointString, pointsBox, type Point } from './geometry';
import { readImageFile } from './image-file';
import { parsePlistXml, type PlistValue } from './plist-xml';
import { mapLimited } from './read-queue';
import type { Box, Dataset, Lesion, Sample, SkippedItem } from './sample';
import type { ReaderOptions } from './reader-options';

export interface InbreastOptions {
  // Bi-Rads -> image label. Default: 1, 2, 3 benign; 4, 4a, 4b, 4c, 5, 6 malignant.
  biradsMap?: Record<string, string>;
}

export const DEFAULT_BIRADS_MAP: Record<string, string> = {
  '1': 'benign', '2': 'benign', '3': 'benign',
  '4': 'malignant', '4a': 'malignant', '4b': 'malignant', '4c': 'malignant', '5': 'malignant', '6': 'malignant',
};

export interface InbreastRoi {
  name: string;
  kind: Lesion['kind'];
  points: Point[];
}

export function roiKind(name: string): Lesion['kind'] {
  if (/mass/i.test(name)) return 'mass';
  if (/calc|cluster/i.test(name)) return 'calcification';
  return 'other';
}

// Parses an OsiriX ROI file: Images[0].ROIs[] -> name, kind, points (pixels).
export function parseInbreastXml(xml: string, file: string): InbreastRoi[] {
  try {
    return roisOf(xml, file);
  } catch (e) {
    throw asDataFormatError(file, e, 'cannot read ROI file');
  }
}

function roisOf(xml: string, file: string): InbreastRoi[] {
  const root = parsePlistXml(xml, file) as Record<string, PlistValue>;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new DataFormatError(file, 'the plist root is not a dict');
  const images = root.Images;
  if (!Array.isArray(images) || images.length === 0) throw new DataFormatError(file, 'has no Images array');
  const img = images[0] as Record<string, PlistValue>;
  if (!img || typeof img !== 'object' || Array.isArray(img)) throw new DataFormatError(file, 'Images[0] is not a dict');
  const rois = img.ROIs ?? [];
  if (!Array.isArray(rois)) throw new DataFormatError(file, 'Images[0].ROIs is not an array');
  return rois.map((r, k) => {
    const roi = r as Record<string, PlistValue>;
    if (!roi || typeof roi !== 'object' || Array.isArray(roi)) throw new DataFormatError(file, `ROI ${k} is not a dict`);
    if (typeof roi.Name !== 'string') throw new DataFormatError(file, `ROI ${k} has no Name string`);
    const raw = roi.Point_px;
    if (!Array.isArray(raw)) throw new DataFormatError(file, `ROI ${k} (${roi.Name}) has no Point_px array`);
    const points = raw.map((s, j) => {
      const p = typeof s === 'string' ? parsePointString(s) : null;
      if (!p) throw new DataFormatError(file, `ROI ${k} (${roi.Name}) Point_px[${j}] ${JSON.stringify(s)} is not "(x, y)"`);
      return p;
    });
    if (points.length === 0) throw new DataFormatError(file, `ROI ${k} (${roi.Name}) has no points`);
    if (roi.NumberOfPoints !== undefined && roi.NumberOfPoints !== points.length) {
      throw new DataFormatError(file, `ROI ${k} (${roi.Name}) says NumberOfPoints ${String(roi.NumberOfPoints)} but has ${points.length} points`);
    }
    return { name: roi.Name, kind: roiKind(roi.Name), points };
  });
}

export interface InbreastCsvRow { fileName: string; birads: string; laterality?: string; view?: string; acr?: string; line: number }

// The semicolon CSV: Patient ID;Patient age;Laterality;View;Acquisition date;File Name;ACR;Bi-Rads.
export function parseInbreastCsv(text: string, file: string): { rows: InbreastCsvRow[]; skipped: SkippedItem[] } {
  let records: string[][];
  try {
    records = parseCsv(text, { delimiter: ';', relax_column_count: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (e) {
    throw asDataFormatError(file, e, 'malformed CSV');
  }
  if (!records.length) throw new DataFormatError(file, 'CSV is empty');
  const header = records[0].map((h) => h.toLowerCase().replace(/[^a-z]/g, ''));
  const col = (name: string) => header.indexOf(name);
  const iFile = col('filename'), iBirads = col('birads');
  if (iFile < 0 || iBirads < 0) throw new DataFormatError(file, `CSV header lacks "File Name" or "Bi-Rads" (found ${records[0].join(';')})`);
  const iLat = col('laterality'), iView = col('view'), iAcr = col('acr');
  const rows: InbreastCsvRow[] = [];
  const skipped: SkippedItem[] = [];
  records.slice(1).forEach((r, k) => {
    const line = k + 2;
    const fileName = r[iFile]?.trim();
    const birads = r[iBirads]?.trim().toLowerCase();
    if (!fileName || !birads) { skipped.push({ id: fileName || `line ${line}`, file, reason: `malformed CSV row ${line}: missing File Name or Bi-Rads` }); return; }
    rows.push({ fileName, birads, laterality: r[iLat]?.trim().toUpperCase(), view: r[iView]?.trim().toUpperCase(), acr: r[iAcr]?.trim(), line });
  });
  return { rows, skipped };
}

// The patient of an INbreast DICOM: its file name is <File Name>_<patient hash>_MG_<side>_<view>_ANON.dcm
// (20586908_6c613a14b80a8591_MG_R_CM_ANON.dcm -> 6c613a14b80a8591); null for any other shape.
export function inbreastPatientFromFileName(name: string): string | null {
  return /^[^_]+_([^_]+)_MG_[^_]+_[^_]+_ANON\.dcm$/i.exec(name)?.[1] ?? null;
}

async function listFiles(dir: string, depth: number): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory() && depth > 0) out.push(...await listFiles(p, depth - 1));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function readCase(row: InbreastCsvRow, dcm: string, xml: string | undefined, label: string): Promise<Sample> {
  const loaded = await readImageFile(dcm, { window: 'minmax' });
  const { width, height } = loaded.image;
  const rois = xml ? parseInbreastXml(await readFile(xml, 'utf8'), xml) : [];
  const mask = new Uint8Array(width * height);
  const boxes: Box[] = [];
  const lesions: Lesion[] = [];
  rois.forEach((roi, k) => {
    const pb = pointsBox(roi.points);
    if (!boxInside(pb, width, height)) throw new DataFormatError(xml!, `ROI ${k} (${roi.name}) reaches (${pb[2].toFixed(1)}, ${pb[3].toFixed(1)}), outside the ${width}x${height} image`);
    if (roi.kind === 'mass' && roi.points.length >= 3) {
      const own = new Uint8Array(width * height);
      fillPolygon(own, width, height, roi.points);
      const box = maskBox(own, width, height) ?? pb;
      for (let i = 0; i < own.length; i++) mask[i] |= own[i];
      boxes.push(box);
      lesions.push({ box, kind: 'mass', label });
    } else {
      // Calcifications (often single points) and other findings are kept apart from the masses.
      const box: Box = roi.points.length === 1 ? [pb[0] - 0.5, pb[1] - 0.5, pb[0] + 0.5, pb[1] + 0.5] : pb;
      lesions.push({ box, kind: roi.kind === 'mass' ? 'other' : roi.kind, label });
    }
  });
  const lat = loaded.laterality ?? (row.laterality === 'L' || row.laterality === 'R' ? row.laterality : undefined);
  const patientId = inbreastPatientFromFileName(basename(dcm)) ?? loaded.patientId;
  return {
    id: row.fileName, image: loaded.image, mask, boxes, label,
    meta: {
      source: 'inbreast', file: dcm, xml: xml ?? null, birads: row.birads, acr: row.acr,
      lesions, rois: rois.map((r) => ({ name: r.name, kind: r.kind, points: r.points.length })),
      ...(lat ? { laterality: lat } : {}),
      ...(loaded.view ?? row.view ? { view: loaded.view ?? row.view } : {}),
      ...(patientId ? { patientId } : {}),
    },
  };
}

export async function readInbreast(dir: string, options: ReaderOptions & InbreastOptions = {}): Promise<Dataset> {
  const files = await listFiles(dir, 2);
  const csvFile = files.find((f) => /inbreast\.csv$/i.test(f)) ?? files.find((f) => /\.csv$/i.test(f));
  if (!csvFile) throw new DataFormatError(dir, 'no INbreast CSV (INbreast.csv) found');
  const map = options.biradsMap ?? DEFAULT_BIRADS_MAP;
  const mapLower = Object.fromEntries(Object.entries(map).map(([k, v]) => [k.toLowerCase(), v]));
  // Classes in BI-RADS order of the categories that map to them (1, 2, 3, 4, 4a, 4b, 4c, 5, 6).
  const order = (k: string) => parseFloat(k) * 10 + (/[a-c]$/i.test(k) ? k.toLowerCase().charCodeAt(k.length - 1) - 96 : 0);
  const classes = [...new Set(Object.keys(map).sort((a, b) => order(a) - order(b)).map((k) => map[k]))];
  const { rows, skipped } = parseInbreastCsv(await readFile(csvFile, 'utf8'), csvFile);
  const dicoms = new Map<string, string>();
  for (const f of files) if (/\.dcm$/i.test(f)) dicoms.set(basename(f).split('_')[0].replace(/\.dcm$/i, ''), f);
  const xmls = new Map<string, string>();
  for (const f of files) if (/\.xml$/i.test(f)) xmls.set(basename(f).replace(/\.xml$/i, ''), f);
  const seen = new Set<string>();
  const todo: Array<{ row: InbreastCsvRow; dcm: string; label: string }> = [];
  for (const row of rows) {
    const dcm = dicoms.get(row.fileName);
    const label = mapLower[row.birads];
    if (seen.has(row.fileName)) { skipped.push({ id: row.fileName, file: csvFile, reason: `CSV row ${row.line}: duplicate File Name ${row.fileName}` }); continue; }
    seen.add(row.fileName);
    if (!label) { skipped.push({ id: row.fileName, file: csvFile, reason: `malformed CSV row ${row.line}: Bi-Rads "${row.birads}" is not in the BI-RADS mapping (${Object.keys(map).join(', ')})` }); continue; }
    if (!dcm) { skipped.push({ id: row.fileName, file: csvFile, reason: `missing image: no DICOM named ${row.fileName}_*.dcm for CSV row ${row.line}` }); continue; }
    todo.push({ row, dcm, label });
  }
  for (const [id, f] of dicoms) if (!seen.has(id)) skipped.push({ id, file: f, reason: 'DICOM has no row in the CSV (no label)' });
  const samples = await mapLimited(todo, options.concurrency ?? 2, async ({ row, dcm, label }) => {
    try {
      const s = await readCase(row, dcm, xmls.get(row.fileName), label);
      return options.transform ? options.transform(s) : s;
    } catch (e) {
      const de = asDataFormatError(dcm, e);
      skipped.push({ id: row.fileName, file: de.file, reason: de.problem });
      return null;
    }
  });
  return { samples: samples.filter((s): s is Sample => s !== null), skipped, classes };
}
