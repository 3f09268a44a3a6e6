// Phantom background anatomy in the canonical frame (chest wall at x = 0, nipple to the right):
// breast outline with skin line, pectoral muscle, fat and 1/f fibroglandular tissue.
import type { PhantomRandom } from './phantom-random';
import { octaveNoise } from './phantom-texture';

export interface BreastGeometry {
  size: number;
  cy: number;        // centre of the breast outline on the chest wall (pixels)
  a: number;         // depth of the breast from the chest wall (pixels)
  bUp: number;       // half height above cy (pixels)
  bDown: number;     // half height below cy (pixels)
  wobble: { k: number; amp: number; phase: number; ac: number; as: number }[];  // outline irregularity; ac/as = amp*cos/sin(phase)
  pectoralWidth: number;   // along the top edge (pixels)
  pectoralHeight: number;  // along the chest wall (pixels)
  pectoralBulge: number;   // convexity of the muscle edge
}

export interface Anatomy {
  geometry: BreastGeometry;
  image: Float32Array;   // size*size, values roughly in [0, 1]
  radial: Float32Array;  // normalised breast radius per pixel: < 1 inside the skin line
  pectoral: Float32Array; // 0..1 muscle coverage per pixel
}

export function sampleBreastGeometry(size: number, rng: PhantomRandom): BreastGeometry {
  const wobble = [];
  for (let k = 2; k <= 5; k++) {
    const amp = rng.uniform(0, 0.025);
    const phase = rng.uniform(0, 2 * Math.PI);
    wobble.push({ k, amp, phase, ac: amp * Math.cos(phase), as: amp * Math.sin(phase) });
  }
  return {
    size,
    cy: size * rng.uniform(0.46, 0.54),
    a: size * rng.uniform(0.7, 0.9),
    bUp: size * rng.uniform(0.44, 0.5),
    bDown: size * rng.uniform(0.46, 0.52),
    wobble,
    pectoralWidth: size * rng.uniform(0.22, 0.36),
    pectoralHeight: size * rng.uniform(0.45, 0.75),
    pectoralBulge: rng.uniform(0.0, 0.12),
  };
}

// Normalised radius of (x, y) in the breast outline: 0 at the chest-wall centre, 1 on the skin.
// The wobble terms cos(k*angle + phase) come from powers of the unit complex number (u + iv)/r.
export function breastRadius(g: BreastGeometry, x: number, y: number): number {
  const dy = y - g.cy;
  const u = x / g.a;
  const v = dy / (dy < 0 ? g.bUp : g.bDown);
  const r = Math.sqrt(u * u + v * v);
  if (r === 0) return 0;
  const c = u / r;
  const s = v / r;
  let zr = c;
  let zi = s;
  let scale = 1;
  let k = 1;
  for (const w of g.wobble) {
    while (k < w.k) {
      const t = zr * c - zi * s;
      zi = zr * s + zi * c;
      zr = t;
      k++;
    }
    scale += zr * w.ac - zi * w.as;
  }
  return r / scale;
}

// Signed pectoral coordinate: < 1 inside the muscle triangle in the top-left corner.
export function pectoralCoordinate(g: BreastGeometry, x: number, y: number): number {
  const along = Math.min(1, Math.max(0, y / g.pectoralHeight));
  return x / g.pectoralWidth + y / g.pectoralHeight - g.pectoralBulge * 4 * along * (1 - along);
}

function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}

export function renderAnatomy(size: number, rng: PhantomRandom): Anatomy {
  const g = sampleBreastGeometry(size, rng);
  const px = size / 256;                     // one pixel at 256 in this image's pixels
  const fatLevel = rng.uniform(0.2, 0.3);
  const glandContrast = rng.uniform(0.16, 0.28);
  const densityThreshold = rng.uniform(-0.5, 0.9);   // lower = denser breast
  const muscleLevel = rng.uniform(0.5, 0.64);
  const skinBoost = rng.uniform(0.05, 0.1);
  // Ducts and glandular tissue run from the chest wall to the nipple: stretch the texture horizontally.
  const gland = octaveNoise(size, size, rng, { baseCells: 3, octaves: 5, persistence: 0.55, aspect: 1.6 });
  const fine = octaveNoise(size, size, rng, { baseCells: 32, octaves: 2, persistence: 0.6, aspect: 1.3 });
  const image = new Float32Array(size * size);
  const radial = new Float32Array(size * size);
  const pectoral = new Float32Array(size * size);
  const skinWidth = 2.2 * Math.max(px, 0.75);
  const edgeSoftness = 1.2 * Math.max(px, 0.6);
  const meanHalfHeight = 0.5 * (g.bUp + g.bDown);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      const cx = x + 0.5;
      const cy = y + 0.5;
      const t = breastRadius(g, cx, cy);
      radial[i] = t;
      const p = pectoralCoordinate(g, cx, cy);
      if (t > 1.08 && p > 1.05) {
        image[i] = 0.03;          // air, far from skin and muscle
        continue;
      }
      // Distance to the skin in pixels (first-order: radius gap times the local outline scale).
      const scale = Math.min(g.a, meanHalfHeight);
      const skinDistance = (1 - t) * scale;
      const inside = smoothstep(-edgeSoftness, edgeSoftness, skinDistance);
      // Compressed breast: constant thickness inside, thinning over the outer 18% of the radius.
      const thickness = t < 0.82 ? 1 : Math.sqrt(Math.max(0, 1 - ((t - 0.82) / 0.18) ** 2));
      let v = 0.03 + inside * (fatLevel * (0.35 + 0.65 * thickness));
      // Skin line: a thin denser band just inside the outline.
      v += inside * skinBoost * (1 - smoothstep(0, skinWidth, skinDistance));
      // Fibroglandular tissue: thresholded 1/f noise inside an envelope (dense centre, fatty periphery).
      const envelope = smoothstep(0.95, 0.6, t) * smoothstep(0.02 * size, 0.14 * size, cx);
      const z = (gland[i] - densityThreshold) * (1 / 0.3);
      const tissue = z > 8 ? 1 : z < -8 ? 0 : 1 / (1 + Math.exp(-z));
      v += inside * envelope * glandContrast * tissue;
      v += inside * 0.025 * fine[i] * (0.4 + tissue);
      // Pectoral muscle in the top-left corner, drawn over the breast with a soft edge.
      if (p < 1.02) {
        const muscle = smoothstep(1 + 0.012, 1 - 0.012, p);
        pectoral[i] = muscle;
        const level = muscleLevel * (0.8 + 0.22 * Math.max(0, 1 - p));   // thicker towards the axilla
        v = v * (1 - muscle) + muscle * (level + 0.05 * gland[i] + 0.03 * fine[i]);
      }
      image[i] = v;
    }
  }
  return { geometry: g, image, radial, pectoral };
}
