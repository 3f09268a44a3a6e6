// Synthetic mammogram phantoms (seeded, deterministic): MLO-like breast with skin line, pectoral
// muscle, 1/f fibroglandular texture, quantum noise, benign or malignant masses, calcifications.
// Each image depends only on (seed, index, size, class options), so sets can be streamed.
import type { Box, Dataset, Lesion, Sample } from './sample';
import { createRandom, getNormalTable, mixSeed, type PhantomRandom } from './phantom-random';
import { breastRadius, pectoralCoordinate, renderAnatomy, type Anatomy } from './phantom-anatomy';
import { MASS_RADIUS_RANGE, massExtent, renderMass, sampleMassShape, type MassKind, type MassShape } from './phantom-mass';
import { renderCalcificationCluster, sampleCalcificationCluster } from './phantom-calcification';
import { describe, expectInt, expectNumber, expectOptions, fail } from '../errors';

export const PHANTOM_CLASSES = ['normal', 'benign', 'malignant'] as const;
export type PhantomClass = (typeof PHANTOM_CLASSES)[number];

export interface PhantomOptions {
  size: number;              // image side in pixels (square images), 32..4096
  seed: number;              // integer seed
  classes?: PhantomClass[];  // which labels to draw (default all three, in PHANTOM_CLASSES order)
  normalFraction?: number;   // share of 'normal' images (default 1/3 when 'normal' is in classes)
  calcificationRate?: number; // chance of a calcification cluster per image, any class (default 0.45)
}

export interface PhantomSetOptions extends PhantomOptions {
  count: number;
  start?: number;            // index of the first image (default 0): disjoint ranges give disjoint sets
}

interface ResolvedOptions {
  size: number;
  seed: number;
  classes: PhantomClass[];
  normalFraction: number;
  calcificationRate: number;
}

function resolveOptions(options: unknown, name: string): ResolvedOptions {
  const o = expectOptions<PhantomOptions>(options, name);
  const size = expectInt(o.size, `${name}.size`, 32, 4096);
  const seed = expectInt(o.seed, `${name}.seed`, 0);
  let classes: PhantomClass[] = [...PHANTOM_CLASSES];
  if (o.classes !== undefined) {
    const given = o.classes as unknown;
    if (!Array.isArray(given) || given.length === 0 || given.some((c) => !PHANTOM_CLASSES.includes(c)) || new Set(given).size !== given.length) {
      fail('type', 'a non-empty list of distinct "normal", "benign", "malignant"', `${name}.classes`, describe(given));
    }
    classes = PHANTOM_CLASSES.filter((c) => given.includes(c));
  }
  const hasNormal = classes.includes('normal');
  const onlyNormal = classes.length === 1 && hasNormal;
  let normalFraction = onlyNormal ? 1 : hasNormal ? 1 / 3 : 0;
  if (o.normalFraction !== undefined) {
    normalFraction = expectNumber(o.normalFraction, `${name}.normalFraction`, 0, 1);
    if (!hasNormal && normalFraction > 0) fail('range', '0 when classes has no "normal"', `${name}.normalFraction`, describe(normalFraction));
    if (onlyNormal && normalFraction < 1) fail('range', '1 when classes is ["normal"]', `${name}.normalFraction`, describe(normalFraction));
  }
  const calcificationRate = o.calcificationRate === undefined ? 0.45 : expectNumber(o.calcificationRate, `${name}.calcificationRate`, 0, 1);
  return { size, seed, classes, normalFraction, calcificationRate };
}

// Label of image `index`: a golden-ratio low-discrepancy sequence, so any run of consecutive
// indices is balanced to within one image per class, in a well-mixed order.
export function phantomLabel(index: number, classes: readonly PhantomClass[], normalFraction: number): PhantomClass {
  const p = (0.5 + index * 0.6180339887498949) % 1;
  if (p < normalFraction) return 'normal';
  const abnormal = classes.filter((c) => c !== 'normal');
  if (abnormal.length === 0) return 'normal';
  const q = (p - normalFraction) / (1 - normalFraction);
  return abnormal[Math.min(abnormal.length - 1, Math.floor(q * abnormal.length))];
}

// A point inside the breast (away from skin, muscle and image border) for a structure of radius `reach`.
function placeInBreast(anatomy: Anatomy, reach: number, maxRadial: number, rng: PhantomRandom): [number, number] {
  const g = anatomy.geometry;
  const size = g.size;
  const margin = Math.min(reach, size * 0.45);
  for (let attempt = 0; attempt < 200; attempt++) {
    const x = rng.uniform(margin, size - margin);
    const y = rng.uniform(margin, size - margin);
    if (breastRadius(g, x, y) > maxRadial) continue;
    // Keep clear of the pectoral muscle: test the point pushed towards the muscle by `reach`.
    if (pectoralCoordinate(g, Math.max(0, x - reach * 0.8), Math.max(0, y - reach * 0.8)) < 1.05) continue;
    if (x < 0.12 * size + reach * 0.5) continue;
    return [x, y];
  }
  return [Math.min(size - margin, Math.max(margin, g.a * 0.45)), g.cy];
}

function phantomId(seed: number, index: number): string {
  return `phantom-${seed}-${String(index).padStart(6, '0')}`;
}

function mirrorBox(b: Box, size: number): Box {
  return [size - b[2], b[1], size - b[0], b[3]];
}

function mirrorRows(a: Float32Array | Uint8Array, size: number): void {
  for (let y = 0; y < size; y++) {
    const o = y * size;
    for (let x = 0, z = size - 1; x < z; x++, z--) {
      const t = a[o + x];
      a[o + x] = a[o + z];
      a[o + z] = t;
    }
  }
}

function buildPhantom(index: number, o: ResolvedOptions): Sample {
  const { size, seed } = o;
  const label = phantomLabel(index, o.classes, o.normalFraction);
  const rng = createRandom(mixSeed(seed, index, 1));
  const anatomy = renderAnatomy(size, rng);
  const image = anatomy.image;
  const mask = new Uint8Array(size * size);
  const boxes: Box[] = [];
  const lesions: Lesion[] = [];
  const masses: MassShape[] = [];
  if (label !== 'normal') {
    const kind: MassKind = label;
    const radius = size * rng.uniform(MASS_RADIUS_RANGE[0], MASS_RADIUS_RANGE[1]);
    // Sample the shape at the origin first to know how far it reaches, then place it.
    const probe = sampleMassShape(kind, size, 0, 0, radius, rng);
    const reach = Math.min(massExtent(probe), radius * 1.6) + 2;
    const [cx, cy] = placeInBreast(anatomy, reach, 0.72, rng);
    const mass: MassShape = { ...probe, cx, cy };
    const box = renderMass(mass, image, mask, size);
    if (box) {
      boxes.push(box);
      lesions.push({ box, kind: 'mass', label: kind });
      masses.push(mass);
    }
  }
  if (rng.chance(o.calcificationRate)) {
    const [cx, cy] = placeInBreast(anatomy, size * 0.08, 0.85, rng);
    const cluster = sampleCalcificationCluster(size, cx, cy, rng);
    lesions.push({ box: renderCalcificationCluster(cluster, image, size), kind: 'calcification' });
  }
  // Quantum noise: signal-dependent Gaussian approximation of Poisson noise.
  // (xorshift32 indexes a fixed table of normals: see phantom-random.ts)
  const sigma = rng.uniform(0.01, 0.02);
  const normals = getNormalTable();
  let state = mixSeed(seed, index, 2) | 0 || 0x2545f491;
  for (let i = 0; i < image.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const u = image[i];
    const v = u + sigma * Math.sqrt(0.1 + (u > 0 ? u : 0)) * normals[(state >>> 8) & 0xffff];
    image[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  const laterality: 'L' | 'R' = rng.chance(0.5) ? 'L' : 'R';
  if (laterality === 'R') {
    mirrorRows(image, size);
    mirrorRows(mask, size);
    for (let i = 0; i < boxes.length; i++) boxes[i] = mirrorBox(boxes[i], size);
    for (const l of lesions) l.box = mirrorBox(l.box, size);
  }
  return {
    id: phantomId(seed, index),
    image: { width: size, height: size, data: image },
    mask,
    boxes,
    label,
    meta: {
      source: 'phantom',
      index,
      seed,
      lesions,
      laterality,
      view: 'MLO',
      masses: masses.map((m) => ({
        kind: m.kind,
        centre: laterality === 'R' ? [size - m.cx, m.cy] : [m.cx, m.cy],
        radius: m.radius,
        contrast: m.contrast,
        margin: m.margin,
        spicules: m.spicules.length,
      })),
    },
  };
}

// One phantom, computed from (seed, index) alone: use it to stream sets larger than memory.
export function generatePhantom(index: number, options: PhantomOptions): Sample {
  expectInt(index, 'index', 0);
  return buildPhantom(index, resolveOptions(options, 'options'));
}

// `count` phantoms with indices start .. start+count-1.
export function generatePhantoms(options: PhantomSetOptions): Sample[] {
  const o = expectOptions<PhantomSetOptions>(options, 'options');
  const count = expectInt(o.count, 'options.count', 0, 1_000_000);
  const start = o.start === undefined ? 0 : expectInt(o.start, 'options.start', 0);
  const resolved = resolveOptions(options, 'options');
  const out: Sample[] = [];
  for (let i = 0; i < count; i++) out.push(buildPhantom(start + i, resolved));
  return out;
}

// Iterates phantoms lazily (one image in memory at a time).
export function* phantomStream(options: PhantomSetOptions): Generator<Sample> {
  const o = expectOptions<PhantomSetOptions>(options, 'options');
  const count = expectInt(o.count, 'options.count', 0);
  const start = o.start === undefined ? 0 : expectInt(o.start, 'options.start', 0);
  const resolved = resolveOptions(options, 'options');
  for (let i = 0; i < count; i++) yield buildPhantom(start + i, resolved);
}

// generatePhantoms as a Dataset (the shape the readers return).
export function phantomDataset(options: PhantomSetOptions): Dataset {
  const samples = generatePhantoms(options);
  const classes = options.classes ? PHANTOM_CLASSES.filter((c) => options.classes!.includes(c)) : [...PHANTOM_CLASSES];
  return { samples, skipped: [], classes };
}
