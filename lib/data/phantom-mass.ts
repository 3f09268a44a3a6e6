// Phantom masses: benign (round/oval, smooth circumscribed margin) and malignant (irregular,
// spiculated, ill-defined margin), with overlapping size and density ranges.
import type { Box } from './sample';
import type { PhantomRandom } from './phantom-random';

export type MassKind = 'benign' | 'malignant';

export interface MassShape {
  kind: MassKind;
  cx: number;            // centre (pixels)
  cy: number;
  radius: number;        // mean radius before harmonics (pixels)
  aspect: number;        // minor/major axis ratio of the underlying ellipse
  angle: number;         // ellipse orientation (radians)
  harmonics: { k: number; amp: number; phase: number }[];  // radius modulation
  margin: number;        // half-width of the edge transition (pixels): sharp = circumscribed
  contrast: number;      // peak added density
  halo: number;          // dark rim depth (benign "halo sign"), 0 for none
  spicules: { angle: number; length: number; width: number }[];
}

const TABLE = 720;

// Mass sizes as a fraction of the image side (same range for both kinds: size is no cue).
export const MASS_RADIUS_RANGE: [number, number] = [0.075, 0.13];

export function sampleMassShape(kind: MassKind, size: number, cx: number, cy: number, radius: number, rng: PhantomRandom): MassShape {
  const px = Math.max(size / 256, 0.6);
  const harmonics = [];
  const spicules = [];
  if (kind === 'benign') {
    // Round or oval; at most a faint lobulation.
    for (let k = 2; k <= 3; k++) harmonics.push({ k, amp: rng.uniform(0, 0.03), phase: rng.uniform(0, 2 * Math.PI) });
  } else {
    // Irregular outline: several strong low harmonics plus microlobulation.
    const total = rng.uniform(0.25, 0.38);
    const weights = [];
    for (let k = 2; k <= 7; k++) weights.push(rng.uniform(0.2, 1) / Math.sqrt(k - 1));
    const sum = weights.reduce((s, w) => s + w, 0);
    for (let k = 2; k <= 7; k++) harmonics.push({ k, amp: (total * weights[k - 2]) / sum, phase: rng.uniform(0, 2 * Math.PI) });
    for (let k = 9; k <= 15; k += 2) harmonics.push({ k, amp: rng.uniform(0.01, 0.035), phase: rng.uniform(0, 2 * Math.PI) });
    const n = rng.int(10, 20);
    const offset = rng.uniform(0, 2 * Math.PI);
    for (let s = 0; s < n; s++) {
      spicules.push({
        angle: offset + ((s + rng.uniform(-0.35, 0.35)) / n) * 2 * Math.PI,
        length: radius * rng.uniform(0.6, 1.4),
        width: Math.max(0.6, px * rng.uniform(0.9, 1.7)),
      });
    }
  }
  return {
    kind,
    cx,
    cy,
    radius,
    aspect: kind === 'benign' ? rng.uniform(0.65, 1) : rng.uniform(0.75, 1),
    angle: rng.uniform(0, Math.PI),
    harmonics,
    margin: kind === 'benign' ? px * rng.uniform(0.6, 1.4) : px * rng.uniform(2.5, 4.5),
    // Overlapping density ranges: malignant is denser on average only.
    contrast: kind === 'benign' ? rng.uniform(0.17, 0.3) : rng.uniform(0.19, 0.32),
    halo: kind === 'benign' && rng.chance(0.5) ? rng.uniform(0.01, 0.025) : 0,
    spicules,
  };
}

// Outline radius per direction, tabulated (linear interpolation between entries).
function radiusTable(m: MassShape): Float32Array {
  const table = new Float32Array(TABLE + 1);
  const a = m.radius;
  const b = m.radius * m.aspect;
  const norm = Math.sqrt(a * b) / m.radius; // keep the area of the ellipse ~ pi * radius^2
  for (let j = 0; j <= TABLE; j++) {
    const theta = (j / TABLE) * 2 * Math.PI;
    const c = Math.cos(theta - m.angle);
    const s = Math.sin(theta - m.angle);
    let r = (a * b) / Math.sqrt((b * c) ** 2 + (a * s) ** 2) / norm;
    let mod = 1;
    for (const h of m.harmonics) mod += h.amp * Math.cos(h.k * theta + h.phase);
    r *= Math.max(0.45, mod);
    table[j] = r;
  }
  return table;
}

function lookup(table: Float32Array, theta: number): number {
  let f = (theta / (2 * Math.PI)) * TABLE;
  if (f < 0) f += TABLE;
  const j = Math.min(TABLE - 1, Math.floor(f));
  const w = f - j;
  return table[j] + (table[j + 1] - table[j]) * w;
}

// Largest distance from the centre the mass (with spicules and margin) can reach.
export function massExtent(m: MassShape): number {
  const outline = m.radius * (1 + m.harmonics.reduce((s, h) => s + h.amp, 0)) / Math.sqrt(m.aspect);
  const spicule = m.spicules.reduce((s, sp) => Math.max(s, sp.length), 0);
  return outline + spicule + 3 * m.margin + 2;
}

// Adds the mass to image and sets its pixels in mask (1 = inside the outline). Returns the mask box.
export function renderMass(m: MassShape, image: Float32Array, mask: Uint8Array, size: number): Box | null {
  const table = radiusTable(m);
  const extent = massExtent(m);
  const x0 = Math.max(0, Math.floor(m.cx - extent));
  const x1 = Math.min(size - 1, Math.ceil(m.cx + extent));
  const y0 = Math.max(0, Math.floor(m.cy - extent));
  const y1 = Math.min(size - 1, Math.ceil(m.cy + extent));
  const sp = m.spicules.map((s) => ({ ux: Math.cos(s.angle), uy: Math.sin(s.angle), base: lookup(table, ((s.angle % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)), ...s }));
  let bx0 = size, by0 = size, bx1 = -1, by1 = -1;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - m.cx;
      const dy = y + 0.5 - m.cy;
      const r = Math.sqrt(dx * dx + dy * dy);
      let theta = Math.atan2(dy, dx);
      if (theta < 0) theta += 2 * Math.PI;
      const R = lookup(table, theta);
      const d = r / R;
      // Core: a gentle dome, with an edge transition of half-width `margin`.
      const dome = 0.78 + 0.22 * Math.sqrt(Math.max(0, 1 - d * d));
      const e = (r - (R - m.margin)) / (2 * m.margin);
      const edge = e <= 0 ? 1 : e >= 1 ? 0 : 1 - e * e * (3 - 2 * e);
      let value = m.contrast * dome * edge;
      if (m.halo > 0 && r > R) {
        const h = (r - R - 1.5 * m.margin) / Math.max(1.5, m.margin * 2.5);
        if (h > -1 && h < 1) value -= m.halo * (1 - h * h);
      }
      for (const s of sp) {
        const t = dx * s.ux + dy * s.uy;
        if (t < 0.7 * s.base || t > s.base + s.length) continue;
        const q = dx * s.uy - dy * s.ux;
        const frac = Math.max(0, (t - s.base) / s.length);
        const w = s.width * (1 - 0.6 * frac);
        const amp = m.contrast * 0.85 * (1 - 0.8 * frac);
        const v = amp * Math.exp(-(q * q) / (2 * w * w));
        if (v > value) value = v;
      }
      const i = y * size + x;
      image[i] += value;
      if (r <= R) {
        mask[i] = 1;
        if (x < bx0) bx0 = x;
        if (x > bx1) bx1 = x;
        if (y < by0) by0 = y;
        if (y > by1) by1 = y;
      }
    }
  }
  return bx1 < 0 ? null : [bx0, by0, bx1 + 1, by1 + 1];
}
