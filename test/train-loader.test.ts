import t from 'tap';
import type { Box, Sample } from '../lib/data/sample';
import { augmentSample, letterbox, drawAugment, type AugmentDraw } from '../lib/train/augment';
import { DataLoader } from '../lib/train/loader';
import { Rng } from '../lib/train/rng';
import { compareClose } from './support/check';

// A hand-made sample: dim background, one bright "mass" rectangle that is exactly the mask
// and the box, and a second small mass.
function makeSample(id: string, size: number, boxes: Box[], label = 'benign'): Sample {
  const data = new Float32Array(size * size).fill(0.1);
  const mask = new Uint8Array(size * size);
  for (const [x1, y1, x2, y2] of boxes) {
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) {
      data[y * size + x] = 0.9;
      mask[y * size + x] = 1;
    }
  }
  return { id, image: { width: size, height: size, data }, mask, boxes, label, meta: { source: 'test' } };
}

const identity: AugmentDraw = { flip: false, scale: 1, angle: 0, tx: 0, ty: 0, gamma: 1, contrast: 1, noiseSigma: 0, noiseSeed: 1 };

function maskBox(mask: Uint8Array, size: number, region: Box = [0, 0, size, size]): Box | null {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (let y = region[1]; y < region[3]; y++) for (let x = region[0]; x < region[2]; x++) {
    if (!mask[y * size + x]) continue;
    x1 = Math.min(x1, x); y1 = Math.min(y1, y); x2 = Math.max(x2, x + 1); y2 = Math.max(y2, y + 1);
  }
  return x2 < 0 ? null : [x1, y1, x2, y2];
}

t.test('a horizontal flip mirrors image, mask and boxes exactly', (t) => {
  const S = 32;
  const s = makeSample('a', S, [[3, 5, 10, 9]]);
  const out = augmentSample(s, { ...identity, flip: true }, new Rng(1));
  t.same(out.boxes, [[22, 5, 29, 9]], 'box mirrored: [S-x2, y1, S-x1, y2]');
  let same = true;
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    if (out.mask![y * S + x] !== s.mask![y * S + (S - 1 - x)]) same = false;
    if (Math.abs(out.image.data[y * S + x] - s.image.data[y * S + (S - 1 - x)]) > 1e-6) same = false;
  }
  t.ok(same, 'pixels and mask mirrored');
  t.end();
});

t.test('random affine draws move mask and boxes with the image', (t) => {
  const S = 64;
  const s = makeSample('b', S, [[12, 14, 26, 24], [40, 38, 50, 52]]);
  const rng = new Rng(42);
  for (let k = 0; k < 20; k++) {
    const draw = { ...drawAugment(rng, { rotate: 15, scale: [0.85, 1.15], translate: 0.05 }), gamma: 1, contrast: 1, noiseSigma: 0 };
    const out = augmentSample(s, draw, new Rng(draw.noiseSeed));
    // Bright pixels of the warped image and the warped mask agree (the mask moved with the image).
    let inter = 0, union = 0;
    for (let i = 0; i < S * S; i++) {
      const bright = out.image.data[i] > 0.5 ? 1 : 0;
      inter += bright & out.mask![i];
      union += bright | out.mask![i];
    }
    t.ok(inter / union > 0.9, `draw ${k}: image/mask IoU ${(inter / union).toFixed(3)}`);
    // Each box is the tight box of the mask pixels it covers, and every mask pixel is in a box.
    t.equal(out.boxes.length, 2, `draw ${k}: both boxes kept`);
    for (const b of out.boxes) {
      const region: Box = [Math.floor(b[0]), Math.floor(b[1]), Math.ceil(b[2]), Math.ceil(b[3])];
      const mb = maskBox(out.mask!, S, region)!;
      t.ok(compareClose(b, mb, { atol: 1e-9, rtol: 0 }).ok, `draw ${k}: box ${b.map((v) => v.toFixed(1))} is the mask's box ${mb}`);
    }
    let outside = 0;
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
      if (out.mask![y * S + x] && !out.boxes.some((b) => x >= b[0] && x + 1 <= b[2] && y >= b[1] && y + 1 <= b[3])) outside++;
    }
    t.equal(outside, 0, `draw ${k}: no mask pixel outside the boxes`);
  }
  t.end();
});

t.test('intensity transforms change pixels but not geometry, and stay in [0, 1]', (t) => {
  const S = 32;
  const s = makeSample('c', S, [[8, 8, 16, 16]]);
  const out = augmentSample(s, { ...identity, gamma: 0.7, contrast: 1.2, noiseSigma: 0.05 }, new Rng(9));
  t.same(out.boxes, s.boxes, 'boxes unchanged');
  t.same([...out.mask!], [...s.mask!], 'mask unchanged');
  t.ok(out.image.data.some((v, i) => Math.abs(v - s.image.data[i]) > 1e-3), 'pixels changed');
  t.ok(out.image.data.every((v) => v >= 0 && v <= 1), 'clamped');
  t.not(out.image.data, s.image.data, 'the source is not modified in place');
  t.equal(s.image.data[0], 0.10000000149011612, 'source intact');
  t.end();
});

t.test('letterbox fits a non-square image into S x S with area averaging', (t) => {
  const w = 8, h = 4;
  const data = new Float32Array(w * h);
  for (let i = 0; i < data.length; i++) data[i] = i % 2;  // columns alternate 0 / 1
  const mask = new Uint8Array(w * h);
  mask[0] = mask[1] = mask[w] = mask[w + 1] = 1;            // 2 x 2 block top-left
  const s: Sample = { id: 'd', image: { width: w, height: h, data }, mask, boxes: [[0, 0, 2, 2]], label: 'x', meta: {} };
  const out = letterbox(s, 4);
  t.same(out.boxes, [[0, 1, 1, 2]], 'box scaled by 0.5 and shifted down by the padding');
  t.ok(compareClose(out.image.data, [0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0, 0, 0, 0], { atol: 1e-6, rtol: 0 }).ok, 'averaged pixels, zero padding');
  t.equal(out.mask![4], 1, 'mask pixel at (0, 1)');
  t.equal(out.mask!.reduce((a, b) => a + b, 0), 1, 'one mask pixel');
  t.same(out.meta.frame, { width: 8, height: 4, scale: 0.5, offsetX: 0, offsetY: 1 });
  t.end();
});

function samples(n: number, S: number): Sample[] {
  return Array.from({ length: n }, (_, i) => makeSample(`s${i}`, S, [[2 + (i % 5), 3, 10 + (i % 5), 12]], i % 2 ? 'malignant' : 'benign'));
}

async function collect(loader: DataLoader, epoch: number): Promise<{ ids: string[]; pixels: number[][]; boxes: Box[][]; shapes: number[][] }> {
  const ids: string[] = [], pixels: number[][] = [], boxes: Box[][] = [], shapes: number[][] = [];
  for await (const b of loader.batches(epoch)) {
    ids.push(...b.samples.map((s) => s.id));
    pixels.push([...b.images.data]);
    boxes.push(b.samples.flatMap((s) => s.boxes));
    shapes.push([...b.images.shape]);
  }
  return { ids, pixels, boxes, shapes };
}

t.test('loader batches, shuffles by seed and epoch, and is deterministic across worker and in-thread preparation', async (t) => {
  const data = samples(10, 16);
  const opts = { batchSize: 4, imageSize: 16, seed: 5, augment: {} };
  const worker = new DataLoader(data, { ...opts, prefetch: 2 });
  const inline = new DataLoader(data, { ...opts, prefetch: 0 });
  const a = await collect(worker, 0);
  const b = await collect(inline, 0);
  t.same(a.shapes, [[4, 1, 16, 16], [4, 1, 16, 16], [2, 1, 16, 16]], 'batch shapes with a last partial batch');
  t.same(a.ids, b.ids, 'same order');
  t.same(a.boxes, b.boxes, 'same boxes');
  t.same(a.pixels, b.pixels, 'same pixels (worker == in-thread)');
  t.same([...a.ids].sort(), data.map((s) => s.id).sort(), 'each sample once per epoch');
  const again = await collect(worker, 0);
  t.same(again.pixels, a.pixels, 'same epoch again: same batches');
  const next = await collect(worker, 1);
  t.notSame(next.ids, a.ids, 'another epoch: another order');
  const other = await collect(new DataLoader(data, { ...opts, seed: 6, prefetch: 0 }), 0);
  t.notSame(other.ids, a.ids, 'another seed: another order');
  const plain = await collect(new DataLoader(data, { batchSize: 4, imageSize: 16, shuffle: false, dropLast: true, prefetch: 0 }), 0);
  t.same(plain.ids, data.slice(0, 8).map((s) => s.id), 'no shuffle, drop last');
  t.same(plain.pixels[0].slice(0, 256), [...data[0].image.data], 'no augmentation: pixels as given');
  await worker.close();
  t.end();
});

t.test('loader options are validated', (t) => {
  t.throws(() => new DataLoader([], { batchSize: 1, imageSize: 16 }), new TypeError('Expected a non-empty array of samples for samples but received an array of length 0'));
  t.throws(() => new DataLoader(samples(1, 16), { batchSize: 0, imageSize: 16 }), new RangeError('Expected an integer >= 1 for options.batchSize but received 0'));
  t.end();
});
