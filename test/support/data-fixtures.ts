// Temporary folders and image files for the data-reader tests.

import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';

export function tempDir(t: { teardown(fn: () => void): void }, prefix = 'ftm-data-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeFile(root: string, rel: string, content: string | Uint8Array): string {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

// A recognisable gray pattern: value = (x * 7 + y * 13) mod (max + 1).
export function pattern(width: number, height: number, max: number): number[] {
  return Array.from({ length: width * height }, (_, i) => ((i % width) * 7 + Math.floor(i / width) * 13) % (max + 1));
}

// A synthetic "breast": bright half-disc against the left or right edge on a dark background.
export function breastImage(width: number, height: number, chestWall: 'left' | 'right', max = 255): number[] {
  const cx = chestWall === 'left' ? 0 : width, cy = height / 2, r = Math.min(width * 0.8, height * 0.45);
  return Array.from({ length: width * height }, (_, i) => {
    const x = (i % width) + 0.5, y = Math.floor(i / width) + 0.5;
    const d = Math.hypot(x - cx, y - cy);
    return d < r ? Math.round(max * (0.5 + 0.4 * (1 - d / r))) : 0;
  });
}
