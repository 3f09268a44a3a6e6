import t from 'tap';
import { patchSamples, PATCH_DEFAULTS } from '../lib/data/patches';
import type { Box, Sample } from '../lib/data/sample';

// A 64x64 image: tissue (0.5) on the left half, a bright mass disk of radius 4 at (20, 30).
function sample(id: string, label: string, lesion: { box: Box; label: string; kind: 'mass' | 'calcification' } | null): Sample {
  const n = 64;
  const data = new Float32Array(n * n);
  const mask = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < 32; x++) data[y * n + x] = 0.5;
  if (lesion?.kind === 'mass') {
    for (let y = 26; y < 34; y++) for (let x = 16; x < 24; x++) { data[y * n + x] = 1; mask[y * n + x] = 1; }
  }
  return {
    id, image: { width: n, height: n, data }, mask, label,
    boxes: lesion?.kind === 'mass' ? [lesion.box] : [],
    meta: { source: 'test', lesions: lesion ? [lesion] : [] },
  };
}

const mass = sample('m', 'malignant', { box: [16, 26, 24, 34], label: 'malignant', kind: 'mass' });
const calc = sample('c', 'benign', { box: [40, 40, 44, 44], label: 'benign', kind: 'calcification' });
const normal = sample('n', 'normal', null);
const opts = { ...PATCH_DEFAULTS, size: 32, backgroundLabel: 'normal', seed: 7 };

t.test('lesion patches hold their lesion, labelled by it, with mask and box cut to match', (t) => {
  const set = patchSamples([mass, calc, normal], opts);
  t.equal(set.lesionPatches, 2 * PATCH_DEFAULTS.perLesion);
  t.equal(set.backgroundPatches, set.lesionPatches * PATCH_DEFAULTS.backgroundRatio);
  t.equal(set.patches.length, set.lesionPatches + set.backgroundPatches);
  const around = set.patches.filter((p) => p.meta.patchOf === 'm' && p.id.includes('#l'));
  t.equal(around.length, PATCH_DEFAULTS.perLesion);
  for (const p of around) {
    t.equal(p.label, 'malignant');
    t.equal(p.image.width, 32);
    t.equal(p.boxes.length, 1);
    const [x0, y0] = p.meta.patchOrigin as [number, number];
    t.same(p.boxes[0], [16 - x0, 26 - y0, 24 - x0, 34 - y0], 'jitter keeps the whole 8 px mass inside a 32 px patch');
    // every mask pixel of the patch is the source's mask pixel at the same place, and the mass is there
    let massPixels = 0;
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
      const v = p.mask![y * 32 + x];
      massPixels += v;
      t.equal(p.image.data[y * 32 + x], mass.image.data[(y + y0) * 64 + (x + x0)] ?? 0);
      if (v) t.equal(p.image.data[y * 32 + x], 1);
    }
    t.equal(massPixels, 64);
  }
  const calcPatches = set.patches.filter((p) => p.meta.patchOf === 'c' && p.id.includes('#l'));
  t.ok(calcPatches.every((p) => p.label === 'benign' && p.boxes.length === 0), 'a calcification labels its patch but is no mass box');
  t.end();
});

t.test('background patches take the background class unless a lesion centre falls inside', (t) => {
  const set = patchSamples([mass, normal], { ...opts, backgroundRatio: 20 });
  const bg = set.patches.filter((p) => p.id.includes('#b'));
  t.ok(bg.length > 0);
  for (const p of bg) {
    const [x0, y0] = p.meta.patchOrigin as [number, number];
    const holdsMass = p.meta.patchOf === 'm' && x0 <= 20 && 20 < x0 + 32 && y0 <= 30 && 30 < y0 + 32;
    t.equal(p.label, holdsMass ? 'malignant' : 'normal', p.id);
    t.ok(x0 >= 0 && y0 >= 0 && x0 + 32 <= 64 && y0 + 32 <= 64, 'background patches lie inside the image');
  }
  t.end();
});

t.test('same seed, same patches; no background class, no background patches; bad size refused', (t) => {
  const a = patchSamples([mass, calc, normal], opts), b = patchSamples([mass, calc, normal], opts);
  t.same(a.patches.map((p) => p.meta.patchOrigin), b.patches.map((p) => p.meta.patchOrigin));
  const c = patchSamples([mass, calc], { ...opts, backgroundLabel: null });
  t.equal(c.backgroundPatches, 0);
  t.equal(c.patches.length, c.lesionPatches);
  t.equal(patchSamples([normal], opts).patches.length, 0, 'no lesions: nothing to centre on, no background either');
  t.throws(() => patchSamples([mass], { ...opts, size: 4.5 }), /Expected an integer >= 8 for the patch size but received 4.5/);
  t.end();
});

t.test('a patch reaching past the image border is zero-padded and its mask stays null when the source has none', (t) => {
  const edge = { ...mass, id: 'e', mask: null, meta: { source: 'test', lesions: [{ box: [0, 0, 4, 4] as Box, label: 'benign', kind: 'mass' as const }] }, boxes: [[0, 0, 4, 4] as Box] };
  const set = patchSamples([edge], { ...opts, backgroundLabel: null });
  for (const p of set.patches) {
    t.equal(p.mask, null);
    const [x0, y0] = p.meta.patchOrigin as [number, number];
    t.ok(x0 < 0 && y0 < 0);
    t.equal(p.image.data[0], 0, 'outside the image is 0');
    t.ok(p.boxes[0].every((v) => v >= 0 && v <= 32), 'box clipped to the patch');
  }
  t.end();
});
