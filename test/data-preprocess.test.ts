import t from 'tap';
import { preprocessSample, preprocessImage, boxToOriginal, pointToOriginal, pointToPreprocessed, maskToOriginal, otsuThreshold, largestComponent } from '../lib/data/preprocess';
import { resizeGray } from '../lib/data/resample';
import type { Sample, Box } from '../lib/data/sample';
import { breastImage } from './support/data-fixtures';

function sampleOf(values: number[], width: number, height: number, laterality?: 'L' | 'R'): Sample {
  const data = Float32Array.from(values, (v) => v / 255);
  const mask = new Uint8Array(width * height);
  for (let y = 20; y < 30; y++) for (let x = 10; x < 18; x++) mask[y * width + x] = 1;
  return { id: 's', image: { width, height, data }, mask, boxes: [[10, 20, 18, 30]], label: 'benign', meta: { ...(laterality ? { laterality } : {}), lesions: [{ box: [10, 20, 18, 30], kind: 'mass' }] } };
}

t.test('crop to the largest component, ignoring a label outside the breast', async (t) => {
  const W = 80, H = 60;
  const v = breastImage(W, H, 'left');
  for (let y = 2; y < 5; y++) for (let x = 70; x < 76; x++) v[y * W + x] = 250; // a burned-in marker
  const img = { width: W, height: H, data: Float32Array.from(v, (x) => x / 255) };
  const thr = otsuThreshold(img.data);
  t.ok(thr > 0 && thr < 0.5, `Otsu threshold between background and tissue (${thr})`);
  const c = largestComponent(img, thr)!;
  t.equal(c.x, 0, 'breast region starts at the chest wall');
  t.ok(c.x + c.width < 70 && c.height > 40, `crop x ${c.x} y ${c.y} ${c.width}x${c.height} excludes the marker at x 70..75`);
});

t.test('flip by laterality or content; geometry maps boxes, points and masks back', async (t) => {
  const W = 80, H = 60;
  for (const [side, lat, expectFlip] of [['left', 'L', false], ['right', 'R', true], ['right', undefined, true], ['left', undefined, false]] as const) {
    const s = sampleOf(breastImage(W, H, side), W, H, lat);
    // put the lesion inside the breast on that side
    const bx: Box = side === 'left' ? [10, 20, 18, 30] : [W - 18, 20, W - 10, 30];
    s.boxes = [bx]; s.meta.lesions = [{ box: bx, kind: 'mass' }];
    s.mask = new Uint8Array(W * H);
    for (let y = bx[1]; y < bx[3]; y++) for (let x = bx[0]; x < bx[2]; x++) s.mask[y * W + x] = 1;
    const { sample: p, geometry: g } = preprocessSample(s, { size: 32 });
    t.equal(g.flipped, expectFlip, `${side} chest wall, laterality ${lat ?? 'unknown'}: flipped ${expectFlip} (${g.flipReason})`);
    t.same([p.image.width, p.image.height, p.image.data.length, p.mask!.length], [32, 32, 1024, 1024]);
    const back = boxToOriginal(p.boxes[0], g);
    back.forEach((v, i) => t.ok(Math.abs(v - bx[i]) < 1e-6, `box coordinate ${i} maps back (${v} vs ${bx[i]})`));
    const [u, v] = pointToPreprocessed([bx[0], bx[1]], g);
    t.same(pointToOriginal([u, v], g).map((q) => Math.round(q * 1e6) / 1e6), [bx[0], bx[1]]);
    t.ok(u < 16, 'after the flip the lesion is near the chest wall side (left)');
    const m = maskToOriginal(p.mask!, g);
    let agree = 0; for (let i = 0; i < m.length; i++) agree += m[i] === s.mask[i] ? 1 : 0;
    t.ok(agree / m.length > 0.98, `mask maps back (${(100 * agree / m.length).toFixed(1)}% agree)`);
    let mn = Infinity, mx = -Infinity; for (const q of p.image.data) { mn = Math.min(mn, q); mx = Math.max(mx, q); }
    t.ok(mn === 0 && mx > 0.95 && mx <= 1, `minmax normalisation to [0, 1] (range ${mn}..${mx} after area resize)`);
  }
});

t.test('resize keeps aspect ratio and pads right and bottom; zscore normalisation', async (t) => {
  const W = 100, H = 50;
  const img = { width: W, height: H, data: new Float32Array(W * H).fill(0.7) };
  const r = preprocessImage(img, { size: 20, crop: false, flip: false, normalize: 'none' });
  t.same([r.geometry.contentWidth, r.geometry.contentHeight, r.geometry.scale], [20, 10, 0.2]);
  t.ok(Math.abs(r.image.data[0] - 0.7) < 1e-6 && r.image.data[19 * 20] === 0, 'content top-left, padding below');
  const z = preprocessImage({ width: 4, height: 4, data: Float32Array.from({ length: 16 }, (_, i) => i) }, { size: 4, crop: false, flip: false, normalize: 'zscore' });
  const mean = z.image.data.reduce((a, b) => a + b, 0) / 16;
  t.ok(Math.abs(mean) < 1e-5, 'zscore: mean 0');
  t.throws(() => preprocessImage(img, { size: 0 }), new RangeError('Expected a positive integer for size but received 0'));
});

t.test('area resize preserves the mean; bilinear enlarging is exact on a ramp', async (t) => {
  const src = Float32Array.from({ length: 12 * 9 }, (_, i) => (i * 37) % 11);
  const small = resizeGray(src, 12, 9, 4, 3);
  const m0 = src.reduce((a, b) => a + b, 0) / src.length, m1 = small.reduce((a, b) => a + b, 0) / small.length;
  t.ok(Math.abs(m0 - m1) < 1e-4, 'mean preserved by 3x area shrink');
  t.ok(Math.abs(small[0] - (src[0] + src[1] + src[2] + src[12] + src[13] + src[14] + src[24] + src[25] + src[26]) / 9) < 1e-5, 'first output = mean of its 3x3 block');
  const ramp = Float32Array.from([0, 1, 2, 3]);
  const big = resizeGray(ramp, 4, 1, 8, 1);
  t.same(Array.from(big), [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]);
});
