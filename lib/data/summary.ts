// What a loaded data set holds: counts per label, per split, lesions, and the skipped items.

import type { Dataset } from './sample';

export interface DatasetSummary {
  images: number;
  classes: string[];
  perLabel: Record<string, number>;
  perSplit: Record<string, Record<string, number>>;   // split -> label -> count ('(none)' when unsplit)
  lesions: { mass: number; calcification: number; other: number; imagesWithMass: number; imagesWithMask: number; imagesWithoutMask: number };
  skipped: { count: number; items: Array<{ id: string; file?: string; reason: string }> };
}

export function summarizeDataset(ds: Dataset): DatasetSummary {
  const perLabel: Record<string, number> = Object.fromEntries(ds.classes.map((c) => [c, 0]));
  const perSplit: Record<string, Record<string, number>> = {};
  const lesions = { mass: 0, calcification: 0, other: 0, imagesWithMass: 0, imagesWithMask: 0, imagesWithoutMask: 0 };
  for (const s of ds.samples) {
    perLabel[s.label] = (perLabel[s.label] ?? 0) + 1;
    const split = typeof s.meta.split === 'string' ? s.meta.split : '(none)';
    perSplit[split] ??= {};
    perSplit[split][s.label] = (perSplit[split][s.label] ?? 0) + 1;
    const ls = s.meta.lesions ?? s.boxes.map((box) => ({ box, kind: 'mass' as const }));
    for (const l of ls) lesions[l.kind]++;
    if (s.boxes.length) lesions.imagesWithMass++;
    if (s.mask) lesions.imagesWithMask++; else lesions.imagesWithoutMask++;
  }
  return {
    images: ds.samples.length, classes: ds.classes, perLabel, perSplit, lesions,
    skipped: { count: ds.skipped.length, items: ds.skipped.map((k) => ({ id: k.id, ...(k.file ? { file: k.file } : {}), reason: k.reason })) },
  };
}

export function formatSummary(s: DatasetSummary): string {
  const lines = [`images: ${s.images} (${Object.entries(s.perLabel).map(([k, v]) => `${k} ${v}`).join(', ')})`];
  for (const [split, counts] of Object.entries(s.perSplit)) lines.push(`split ${split}: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push(`lesions: mass ${s.lesions.mass} on ${s.lesions.imagesWithMass} images, calcification ${s.lesions.calcification}, other ${s.lesions.other}; masks on ${s.lesions.imagesWithMask} images, none on ${s.lesions.imagesWithoutMask}`);
  lines.push(`skipped: ${s.skipped.count}`);
  for (const k of s.skipped.items) lines.push(`  ${k.id}: ${k.reason}${k.file ? ` (${k.file})` : ''}`);
  return lines.join('\n');
}
