// The plain folder format for users' own data: images (PNG/DICOM/PGM) + one annotations.json.
//
// annotations.json:
// { "classes": ["normal", "benign", "malignant"],
//   "images": [{ "file": "images/a.png", "label": "malignant",
//                "boxes": [[x1, y1, x2, y2]],           mass boxes, pixels, x2/y2 exclusive
//                "mask": "masks/a.png",                 optional, nonzero = mass
//                "polygons": [[[x, y], ...]],           optional mass outlines
//                "id": "a", "split": "train",           optional extras
//                "patient": "P17" }] }                  optional, groups images of one woman;
//                                                       else a DICOM image's Patient ID
// Paths are relative to the folder. See README "Data formats".

import { readFile } from 'node:fs/promises';
import { join, basename, extname, isAbsolute } from 'node:path';
import { DataFormatError, asDataFormatError } from './errors';
import { boxInside, fillPolygon, pointsBox, type Point } from './geometry';
import { readImageFile, readMaskFile } from './image-file';
import { mapLimited } from './read-queue';
import type { Box, Dataset, Sample, SkippedItem } from './sample';
import type { ReaderOptions } from './reader-options';

export interface FolderImageEntry {
  file: string;
  label: string;
  boxes?: Box[];
  mask?: string;
  polygons?: Point[][];
  id?: string;
  split?: string;
  patient?: string;
}

export interface FolderAnnotations {
  classes: string[];
  images: FolderImageEntry[];
}

export const FOLDER_ANNOTATIONS = 'annotations.json';

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

// Checks one image entry's shape (not its files). Throws DataFormatError naming the JSON file.
export function validateFolderEntry(e: unknown, index: number, classes: string[], file: string): FolderImageEntry {
  const bad = (why: string) => new DataFormatError(file, `images[${index}]: ${why}`);
  if (!e || typeof e !== 'object' || Array.isArray(e)) throw bad('is not an object');
  const o = e as Record<string, unknown>;
  if (typeof o.file !== 'string' || !o.file) throw bad('"file" is not a non-empty string');
  if (isAbsolute(o.file) || o.file.split(/[\\/]/).includes('..')) throw bad(`"file" ${o.file} must be a path inside the folder`);
  if (typeof o.label !== 'string' || !classes.includes(o.label)) throw bad(`"label" ${JSON.stringify(o.label)} is not one of the classes ${JSON.stringify(classes)}`);
  if (o.boxes !== undefined && (!Array.isArray(o.boxes) || !o.boxes.every((b) => Array.isArray(b) && b.length === 4 && b.every(isNum) && b[2] >= b[0] && b[3] >= b[1]))) {
    throw bad('"boxes" must be an array of [x1, y1, x2, y2] numbers with x2 >= x1 and y2 >= y1');
  }
  if (o.mask !== undefined && (typeof o.mask !== 'string' || isAbsolute(o.mask) || o.mask.split(/[\\/]/).includes('..'))) throw bad('"mask" must be a path inside the folder');
  if (o.polygons !== undefined && (!Array.isArray(o.polygons) || !o.polygons.every((p) => Array.isArray(p) && p.length >= 3 && p.every((q) => Array.isArray(q) && q.length === 2 && q.every(isNum))))) {
    throw bad('"polygons" must be an array of polygons, each at least 3 [x, y] points');
  }
  if (o.id !== undefined && typeof o.id !== 'string') throw bad('"id" must be a string');
  if (o.split !== undefined && typeof o.split !== 'string') throw bad('"split" must be a string');
  if (o.patient !== undefined && (typeof o.patient !== 'string' || !o.patient.trim())) throw bad(`"patient" ${JSON.stringify(o.patient)} is not a non-empty string`);
  return o as unknown as FolderImageEntry;
}

export function parseFolderAnnotations(text: string, file: string): { classes: string[]; entries: unknown[] } {
  let json: unknown;
  try { json = JSON.parse(text); } catch (e) { throw asDataFormatError(file, e, 'invalid JSON'); }
  const o = json as Record<string, unknown>;
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new DataFormatError(file, 'expected an object { "classes": [...], "images": [...] }');
  if (!Array.isArray(o.classes) || o.classes.length === 0 || !o.classes.every((c) => typeof c === 'string' && c)) throw new DataFormatError(file, '"classes" must be a non-empty array of names');
  if (new Set(o.classes).size !== o.classes.length) throw new DataFormatError(file, '"classes" has duplicate names');
  if (!Array.isArray(o.images)) throw new DataFormatError(file, '"images" must be an array');
  return { classes: o.classes as string[], entries: o.images };
}

async function readFolderSample(dir: string, e: FolderImageEntry, jsonFile: string): Promise<Sample> {
  const file = join(dir, e.file);
  const loaded = await readImageFile(file);
  const { width, height } = loaded.image;
  const polygons = e.polygons ?? [];
  let boxes: Box[] = (e.boxes ?? []).map((b) => [b[0], b[1], b[2], b[3]]);
  for (const b of boxes) if (!boxInside(b, width, height)) throw new DataFormatError(jsonFile, `box [${b.join(', ')}] of ${e.file} lies outside the ${width}x${height} image`);
  for (const p of polygons) {
    const b = pointsBox(p);
    if (!boxInside(b, width, height)) throw new DataFormatError(jsonFile, `a polygon of ${e.file} lies outside the ${width}x${height} image`);
  }
  if (!e.boxes && polygons.length) boxes = polygons.map(pointsBox);
  let mask: Uint8Array | null = null;
  if (e.mask) {
    const m = await readMaskFile(join(dir, e.mask));
    if (m.width !== width || m.height !== height) throw new DataFormatError(join(dir, e.mask), `mask is ${m.width}x${m.height} but the image ${e.file} is ${width}x${height}`);
    mask = m.mask;
  }
  if (polygons.length) {
    mask ??= new Uint8Array(width * height);
    for (const p of polygons) fillPolygon(mask, width, height, p);
  }
  // No boxes and no mask given: nothing to segment, so the mask is empty rather than unknown.
  if (!mask && boxes.length === 0) mask = new Uint8Array(width * height);
  const patientId = e.patient?.trim() ?? loaded.patientId;
  return {
    id: e.id ?? basename(e.file, extname(e.file)),
    image: loaded.image, mask, boxes, label: e.label,
    meta: {
      source: 'folder', file,
      lesions: boxes.map((box) => ({ box, kind: 'mass' as const, label: e.label })),
      ...(loaded.laterality ? { laterality: loaded.laterality } : {}),
      ...(loaded.view ? { view: loaded.view } : {}),
      ...(e.split ? { split: e.split } : {}),
      ...(patientId ? { patientId } : {}),
    },
  };
}

export async function readFolderDataset(dir: string, options: ReaderOptions = {}): Promise<Dataset> {
  const jsonFile = join(dir, FOLDER_ANNOTATIONS);
  const text = await readFile(jsonFile, 'utf8').catch((e) => { throw asDataFormatError(jsonFile, e, 'cannot read annotations'); });
  const { classes, entries } = parseFolderAnnotations(text, jsonFile);
  const skipped: SkippedItem[] = [];
  const valid: FolderImageEntry[] = [];
  entries.forEach((raw, i) => {
    try { valid.push(validateFolderEntry(raw, i, classes, jsonFile)); } catch (e) {
      const f = (raw as { file?: unknown })?.file;
      skipped.push({ id: typeof f === 'string' ? f : `images[${i}]`, file: jsonFile, reason: asDataFormatError(jsonFile, e).problem });
    }
  });
  const seen = new Set<string>();
  const samples = await mapLimited(valid, options.concurrency ?? 4, async (e) => {
    try {
      const s = await readFolderSample(dir, e, jsonFile);
      if (seen.has(s.id)) throw new DataFormatError(jsonFile, `duplicate image id ${s.id}`);
      seen.add(s.id);
      return options.transform ? options.transform(s) : s;
    } catch (err) {
      const de = asDataFormatError(join(dir, e.file), err);
      skipped.push({ id: e.id ?? e.file, file: de.file, reason: de.problem });
      return null;
    }
  });
  return { samples: withoutAnonymisedPatient(samples, valid), skipped, classes };
}

// A DICOM Patient ID that every image of a data set shares (an anonymiser's "ANONYMOUS") says
// nothing about who is who: such images count as one patient each, as without an id. An
// explicit "patient" in annotations.json is always kept.
function withoutAnonymisedPatient(samples: (Sample | null)[], entries: FolderImageEntry[]): Sample[] {
  const read = samples.flatMap((s, i) => (s ? [{ s, fromDicom: entries[i].patient === undefined }] : []));
  const ids = new Set(read.map((r) => r.s.meta.patientId));
  if (read.length > 1 && ids.size === 1 && read.every((r) => r.fromDicom && r.s.meta.patientId)) {
    for (const { s } of read) delete s.meta.patientId;
  }
  return read.map((r) => r.s);
}
