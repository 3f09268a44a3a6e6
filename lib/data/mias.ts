// mini-MIAS reader: the original Info.txt (REFNUM BG CLASS SEVERITY X Y RADIUS, origin bottom-left)
// with PGM images, and the prepared layout (mias.json + PNG, origin top-left) of ../shared/data/mias.

import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataFormatError, asDataFormatError, describeThrown } from './errors';
import { fillDisk, clipBox } from './geometry';
import { readImageFile } from './image-file';
import { mapLimited } from './read-queue';
import { pathInsideFolder } from './inside-folder';
import type { Box, Dataset, Lesion, Sample, SkippedItem } from './sample';
import type { ReaderOptions } from './reader-options';

export interface MiasAbnormality {
  class: string;                 // CIRC SPIC MISC CALC ARCH ASYM
  severity: 'B' | 'M' | null;
  x: number | null;              // null when the database gives no location
  y: number | null;
  radius: number | null;
}

export interface MiasRecord {
  id: string;
  background: string;            // F, G, D
  abnormalities: MiasAbnormality[];
  split?: string;
}

export const MIAS_MASS_CLASSES = ['CIRC', 'SPIC', 'MISC'];
const CLASSES = ['CIRC', 'SPIC', 'MISC', 'CALC', 'ARCH', 'ASYM'];

// Parses Info.txt: lines starting with mdbNNN; coordinates stay in the file's frame (bottom-left).
export function parseMiasInfo(text: string, file: string): { records: MiasRecord[]; skipped: SkippedItem[] } {
  const byId = new Map<string, MiasRecord>();
  const skipped: SkippedItem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!/^mdb\d+\b/i.test(line)) return;
    const parts = line.split(/\s+/);
    const [id, background, cls] = parts;
    const bad = (why: string) => skipped.push({ id, file, reason: `malformed Info.txt line ${index + 1} "${line}": ${why}` });
    if (!/^mdb\d{3}$/i.test(id)) return bad(`id ${id} is not of the form mdbNNN`);
    if (!/^[FGD]$/.test(background ?? '')) return bad(`background ${background ?? '(missing)'} is not F, G or D`);
    let record = byId.get(id);
    if (!record) { record = { id, background, abnormalities: [] }; byId.set(id, record); }
    if (cls === 'NORM') return;
    if (!CLASSES.includes(cls)) return bad(`class ${cls ?? '(missing)'} is not one of NORM ${CLASSES.join(' ')}`);
    const severity = parts[3];
    if (severity !== 'B' && severity !== 'M') return bad(`severity ${severity ?? '(missing)'} is not B or M`);
    const tail = parts.slice(4);
    const coords = /NOTE/i.test(tail.join(' ')) ? [] : tail; // "*NOTE 3*": widely spread, no location
    if (coords.length !== 0 && coords.length !== 3) return bad(`expected X Y RADIUS or nothing after the severity, found ${coords.length} fields`);
    const nums = coords.map(Number);
    if (nums.some((v) => !Number.isFinite(v) || v < 0)) return bad('X Y RADIUS must be non-negative numbers');
    record.abnormalities.push({ class: cls, severity, x: nums[0] ?? null, y: nums[1] ?? null, radius: nums[2] ?? null });
  });
  return { records: [...byId.values()], skipped };
}

// Validates one entry of the prepared mias.json.
export function parseMiasJsonEntry(entry: unknown, index: number, file: string): MiasRecord {
  const bad = (why: string) => new DataFormatError(file, `entry ${index}: ${why}`);
  if (!entry || typeof entry !== 'object') throw bad('is not an object');
  const e = entry as Record<string, unknown>;
  if (typeof e.id !== 'string' || !/^[\w.-]+$/.test(e.id)) throw bad(`id ${JSON.stringify(e.id)} is not a plain name`);
  if (!Array.isArray(e.abnormalities)) throw bad('abnormalities is not an array');
  const abnormalities = e.abnormalities.map((a: unknown, k: number): MiasAbnormality => {
    const o = (a ?? {}) as Record<string, unknown>;
    if (typeof o.class !== 'string' || !CLASSES.includes(o.class)) throw bad(`abnormality ${k}: class ${JSON.stringify(o.class)} is not one of ${CLASSES.join(' ')}`);
    if (o.severity !== 'B' && o.severity !== 'M') throw bad(`abnormality ${k}: severity ${JSON.stringify(o.severity)} is not B or M`);
    const num = (v: unknown, name: string) => {
      if (v === null || v === undefined) return null;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw bad(`abnormality ${k}: ${name} ${JSON.stringify(v)} is not a non-negative number or null`);
      return v;
    };
    return { class: o.class, severity: o.severity, x: num(o.x, 'x'), y: num(o.y, 'y'), radius: num(o.radius, 'radius') };
  });
  return { id: e.id, background: typeof e.background === 'string' ? e.background : '', abnormalities, split: typeof e.split === 'string' ? e.split : undefined };
}

export function miasLabel(r: MiasRecord): string {
  if (r.abnormalities.some((a) => a.severity === 'M')) return 'malignant';
  if (r.abnormalities.some((a) => a.severity === 'B')) return 'benign';
  return 'normal';
}

// Builds the sample from a record whose coordinates are already in the image's top-left frame.
export function miasSample(r: MiasRecord, image: Sample['image'], file: string, source: string): Sample {
  const { width, height } = image;
  let mask: Uint8Array | null = new Uint8Array(width * height);
  const boxes: Box[] = [];
  const lesions: Lesion[] = [];
  const unlocated: MiasAbnormality[] = [];
  for (const a of r.abnormalities) {
    const isMass = MIAS_MASS_CLASSES.includes(a.class);
    if (a.x === null || a.y === null || a.radius === null) {
      unlocated.push(a);
      if (isMass) mask = null; // a mass with no location: its pixels are unknown
      continue;
    }
    if (a.x > width || a.y > height) throw new DataFormatError(file, `abnormality ${a.class} at (${a.x}, ${a.y}) lies outside the ${width}x${height} image`);
    const box = clipBox([a.x - a.radius, a.y - a.radius, a.x + a.radius, a.y + a.radius], width, height);
    const label = a.severity === 'M' ? 'malignant' : 'benign';
    lesions.push({ box, kind: isMass ? 'mass' : a.class === 'CALC' ? 'calcification' : 'other', label });
    if (isMass) {
      boxes.push(box);
      if (mask) fillDisk(mask, width, height, a.x, a.y, a.radius);
    }
  }
  return {
    id: r.id, image, mask, boxes, label: miasLabel(r),
    meta: { source, file, background: r.background, lesions, unlocated, abnormalities: r.abnormalities, ...(r.split ? { split: r.split } : {}) },
  };
}

async function readSamples(dir: string, records: MiasRecord[], imageFile: (id: string) => string, toTopLeft: (r: MiasRecord, height: number) => MiasRecord, source: string, options: ReaderOptions): Promise<{ samples: Sample[]; skipped: SkippedItem[] }> {
  const skipped: SkippedItem[] = [];
  const results = await mapLimited(records, options.concurrency ?? 4, async (r) => {
    let file = join(dir, imageFile(r.id));
    try {
      file = pathInsideFolder(dir, imageFile(r.id), file);
      const loaded = await readImageFile(file);
      const sample = miasSample(toTopLeft(r, loaded.image.height), loaded.image, file, source);
      return options.transform ? options.transform(sample) : sample;
    } catch (e) {
      skipped.push({ id: r.id, file, reason: asDataFormatError(file, e).problem });
      return null;
    }
  });
  return { samples: results.filter((s): s is Sample => s !== null), skipped };
}

// The prepared layout: mias.json (top-left frame) + <id>.png.
export async function readMiasPrepared(dir: string, options: ReaderOptions = {}): Promise<Dataset> {
  const file = join(dir, 'mias.json');
  let entries: unknown;
  try {
    entries = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw asDataFormatError(file, e, 'cannot read mias.json');
  }
  if (!Array.isArray(entries)) throw new DataFormatError(file, 'expected a JSON array of images');
  const records: MiasRecord[] = [];
  const skipped: SkippedItem[] = [];
  entries.forEach((entry, i) => {
    try { records.push(parseMiasJsonEntry(entry, i, file)); } catch (e) {
      const id = (entry as { id?: unknown })?.id;
      skipped.push({ id: typeof id === 'string' ? id : `#${i}`, file, reason: e instanceof DataFormatError ? e.problem : describeThrown(e) });
    }
  });
  const read = await readSamples(dir, records, (id) => `${id}.png`, (r) => r, 'mias', options);
  return { samples: read.samples, skipped: [...skipped, ...read.skipped], classes: ['normal', 'benign', 'malignant'] };
}

// The original distribution: Info.txt (bottom-left frame) + <id>.pgm.
export async function readMiasOriginal(dir: string, options: ReaderOptions = {}): Promise<Dataset> {
  const names = await readdir(dir).catch((e) => { throw asDataFormatError(dir, e, 'cannot list directory'); });
  const info = names.find((n) => /^info\.txt$/i.test(n)) ?? names.find((n) => /info.*\.txt$/i.test(n));
  if (!info) throw new DataFormatError(dir, 'no Info.txt found (mini-MIAS original layout)');
  const file = join(dir, info);
  const parsed = parseMiasInfo(await readFile(file, 'latin1'), file);
  const byLower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const imageFile = (id: string) => byLower.get(`${id.toLowerCase()}.pgm`) ?? byLower.get(`${id.toLowerCase()}.png`) ?? `${id}.pgm`;
  const flip = (r: MiasRecord, height: number): MiasRecord => ({
    ...r, abnormalities: r.abnormalities.map((a) => ({ ...a, y: a.y === null ? null : height - a.y })),
  });
  const read = await readSamples(dir, parsed.records, imageFile, flip, 'mias-original', options);
  return { samples: read.samples, skipped: [...parsed.skipped, ...read.skipped], classes: ['normal', 'benign', 'malignant'] };
}
