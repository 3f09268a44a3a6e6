// Rasterising annotations: filled polygons and disks into masks, boxes of point sets and masks.

import type { Box } from './sample';

export type Point = [x: number, y: number];

// Fills a polygon (even-odd rule, sampled at pixel centres) into `mask` (width*height) with 1.
export function fillPolygon(mask: Uint8Array, width: number, height: number, points: Point[]): void {
  if (points.length < 3) return;
  let yMin = Infinity, yMax = -Infinity;
  for (const [, y] of points) { yMin = Math.min(yMin, y); yMax = Math.max(yMax, y); }
  const rowStart = Math.max(0, Math.ceil(yMin - 0.5));
  const rowEnd = Math.min(height - 1, Math.floor(yMax - 0.5));
  const xs: number[] = [];
  for (let row = rowStart; row <= rowEnd; row++) {
    const yc = row + 0.5;
    xs.length = 0;
    for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
      const [xi, yi] = points[i];
      const [xj, yj] = points[j];
      if ((yi <= yc) !== (yj <= yc)) xs.push(xi + ((yc - yi) / (yj - yi)) * (xj - xi));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const c0 = Math.max(0, Math.ceil(xs[k] - 0.5));
      const c1 = Math.min(width - 1, Math.floor(xs[k + 1] - 0.5));
      for (let col = c0; col <= c1; col++) mask[row * width + col] = 1;
    }
  }
}

// Fills the disk of radius r around (cx, cy) (pixel centres inside) with 1.
export function fillDisk(mask: Uint8Array, width: number, height: number, cx: number, cy: number, r: number): void {
  const r0 = Math.max(0, Math.floor(cy - r - 0.5));
  const r1 = Math.min(height - 1, Math.ceil(cy + r));
  for (let row = r0; row <= r1; row++) {
    const dy = row + 0.5 - cy;
    for (let col = Math.max(0, Math.floor(cx - r - 0.5)); col <= Math.min(width - 1, Math.ceil(cx + r)); col++) {
      const dx = col + 0.5 - cx;
      if (dx * dx + dy * dy <= r * r) mask[row * width + col] = 1;
    }
  }
}

export function pointsBox(points: Point[]): Box {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (const [x, y] of points) { x1 = Math.min(x1, x); y1 = Math.min(y1, y); x2 = Math.max(x2, x); y2 = Math.max(y2, y); }
  return [x1, y1, x2, y2];
}

export function clipBox(b: Box, width: number, height: number): Box {
  return [Math.max(0, Math.min(width, b[0])), Math.max(0, Math.min(height, b[1])), Math.max(0, Math.min(width, b[2])), Math.max(0, Math.min(height, b[3]))];
}

// True when the box lies (within `tolerance` pixels) inside a width x height image.
export function boxInside(b: Box, width: number, height: number, tolerance = 1): boolean {
  return b.every(Number.isFinite) && b[0] >= -tolerance && b[1] >= -tolerance && b[2] <= width + tolerance && b[3] <= height + tolerance && b[2] >= b[0] && b[3] >= b[1];
}

// The bounding box of the 1-pixels of a mask (x2/y2 exclusive), or null when it is empty.
export function maskBox(mask: Uint8Array, width: number, height: number): Box | null {
  let x1 = width, y1 = height, x2 = -1, y2 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (mask[row + x]) { if (x < x1) x1 = x; if (x > x2) x2 = x; if (y < y1) y1 = y; if (y > y2) y2 = y; }
    }
  }
  return x2 < 0 ? null : [x1, y1, x2 + 1, y2 + 1];
}

// Parses an OsiriX point string "(x, y)" or "(x, y, z)".
export function parsePointString(s: string): Point | null {
  const m = /^\s*\(\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*(?:,\s*[-+0-9.eE]+\s*)?\)\s*$/.exec(s);
  if (!m) return null;
  const x = Number(m[1]), y = Number(m[2]);
  return Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
}
