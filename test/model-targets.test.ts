import t from 'tap';
import { encodeTargets, gaussianRadius } from '../lib/model/targets';
import { MultiTaskLoss, positiveDice } from '../lib/model/multitask-loss';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { Tensor } from '../lib/tensor';
import { diskSample, batchImages } from './support/model-fixtures';

const classNames = ['normal', 'benign', 'malignant'];

t.test('gaussianRadius matches CenterNet on hand cases', (t) => {
  // 8 x 8 box, overlap 0.7: r1 = (16 + sqrt(256 - 4*64*0.3/1.7))/2 = 15.3, r2 = (32 + sqrt(1024 - 16*19.2))/2
  // = 29.4, r3 = (-22.4 + sqrt(501.76 + 4*2.8*0.3*64))/2 = 2.18656: the minimum.
  t.ok(Math.abs(gaussianRadius(8, 8) - 2.18656) < 1e-4, `got ${gaussianRadius(8, 8)}`);
  // 2 x 4: r3 = (-8.4 + sqrt(70.56 + 4*2.8*0.3*8))/2 = 0.73559.
  t.ok(Math.abs(gaussianRadius(2, 4) - 0.73559) < 1e-4, `got ${gaussianRadius(2, 4)}`);
  t.end();
});

t.test('one box: peak, size, offset and regression mask at the head stride', (t) => {
  const s = diskSample('one', 64, [16, 16, 48, 33], 'malignant');
  const tg = encodeTargets([s], { classNames, imageSize: 64, headStride: 8 });
  t.same([...tg.classIndex], [2]);
  t.same(tg.heatmap.shape, [1, 1, 8, 8]);
  // centre (32, 24.5) px -> (4, 3.0625) cells; box 4 x 2.125 cells; radius floor(r(3, 4) = 0.94) = 0.
  const at = (x: number, y: number) => tg.heatmap.data[y * 8 + x];
  t.equal(at(4, 3), 1, 'peak of 1 at the centre cell');
  t.equal(tg.heatmap.data.reduce((a, b) => a + b, 0), 1, 'radius 0: a single cell');
  t.equal(tg.regMask.data.reduce((a, b) => a + b, 0), 1);
  t.equal(tg.regMask.data[3 * 8 + 4], 1);
  t.equal(tg.size.data[0 * 64 + 3 * 8 + 4], 4);
  t.equal(tg.size.data[1 * 64 + 3 * 8 + 4], 2.125);
  t.equal(tg.offset.data[0 * 64 + 3 * 8 + 4], 0);
  t.equal(tg.offset.data[1 * 64 + 3 * 8 + 4], 0.0625);
  t.same(tg.mask.shape, [1, 1, 64, 64]);
  t.equal(tg.mask.data.reduce((a, b) => a + b, 0), s.mask!.reduce((a, b) => a + b, 0), 'mask copied');
  t.equal(tg.numBoxes, 1);
  t.end();
});

t.test('a larger box spreads a gaussian of radius floor(r)', (t) => {
  // 64 x 64 px box at stride 8 = 8 x 8 cells: radius floor(2.187) = 2, sigma = 5/6.
  const tg = encodeTargets([diskSample('big', 128, [32, 32, 96, 96], 'benign')], { classNames, imageSize: 128, headStride: 8 });
  const at = (x: number, y: number) => tg.heatmap.data[y * 16 + x];
  const sigma = 5 / 6;
  t.equal(at(8, 8), 1);
  t.ok(Math.abs(at(9, 8) - Math.exp(-1 / (2 * sigma * sigma))) < 1e-6, 'neighbour');
  t.ok(Math.abs(at(10, 10) - Math.exp(-8 / (2 * sigma * sigma))) < 1e-6, 'corner of the radius');
  t.equal(at(11, 8), 0, 'zero beyond the radius');
  t.equal(tg.offset.data[8 * 16 + 8], 0);
  t.equal(tg.size.data[8 * 16 + 8], 8);
  t.end();
});

t.test('a normal image has empty targets; a sample without a mask gets an ellipse in its box', (t) => {
  const normal = diskSample('n', 32, null, 'normal');
  const noMask = { ...diskSample('m', 32, [8, 8, 24, 24], 'benign'), mask: null };
  const tg = encodeTargets([normal, noMask], { classNames, imageSize: 32, headStride: 8 });
  t.same([...tg.classIndex], [0, 1]);
  t.equal(tg.heatmap.data.subarray(0, 16).reduce((a, b) => a + b, 0), 0);
  t.equal(tg.mask.data.subarray(0, 1024).reduce((a, b) => a + b, 0), 0);
  const ellipse = tg.mask.data.subarray(1024).reduce((a, b) => a + b, 0);
  t.ok(Math.abs(ellipse - Math.PI * 64) < 16, `ellipse area ${ellipse} ~ pi*8*8`);
  t.equal(tg.mask.data[1024 + 16 * 32 + 16], 1);
  t.equal(tg.mask.data[1024 + 8 * 32 + 8], 0, 'box corner is outside the ellipse');
  t.end();
});

t.test('bad samples throw naming the sample', (t) => {
  t.throws(() => encodeTargets([diskSample('x', 32, null, 'odd')], { classNames, imageSize: 32, headStride: 8 }),
    new RangeError('Expected a label in [normal, benign, malignant] for sample x but received "odd"'));
  t.throws(() => encodeTargets([diskSample('y', 64, null, 'normal')], { classNames, imageSize: 32, headStride: 8 }),
    new RangeError('Expected an image of 32x32 for sample y but received 64x64 (resize it first)'));
  t.end();
});

t.test('multi-task loss: parts, weights and learned uncertainty weighting', (t) => {
  const samples = [diskSample('a', 32, [4, 4, 20, 18], 'malignant'), diskSample('b', 32, null, 'normal')];
  const model = FTMTLNet.create({ imageSize: 32, seed: 3 }).eval();
  const tg = encodeTargets(samples, { classNames, imageSize: 32, headStride: 8 });
  const out = model.forward(batchImages(samples));
  const fixed = new MultiTaskLoss({ weights: { cls: 2, det: 0.5, seg: 3 } }).compute(out, tg).parts;
  for (const [k, v] of Object.entries(fixed)) t.ok(Number.isFinite(v) && v >= 0, `${k} = ${v}`);
  t.ok(Math.abs(fixed.det - (fixed.focal + fixed.size + fixed.offset)) < 1e-5, 'det = focal + size + offset');
  t.ok(Math.abs(fixed.seg - (fixed.bce + fixed.dice)) < 1e-5, 'seg = bce + dice');
  t.ok(Math.abs(fixed.total - (2 * fixed.cls + 0.5 * fixed.det + 3 * fixed.seg)) < 1e-4, 'weighted total');

  const unc = new MultiTaskLoss({ uncertainty: true });
  t.same(unc.namedParameters().map(([n, p]) => [n, [...p.shape]]), [['log_vars', [3]]]);
  unc.logVars!.data.set([0.5, -0.2, 0.1]);
  const { total, parts } = unc.compute(model.forward(batchImages(samples)), tg);
  const s = [0.5, -0.2, 0.1], L = [parts.cls, parts.det, parts.seg];
  const expected = L.reduce((acc, l, i) => acc + Math.exp(-s[i]) * l + s[i], 0);
  t.ok(Math.abs(parts.total - expected) < 1e-4, `total ${parts.total} vs ${expected}`);
  total.backward();
  const g = unc.logVars!.grad!.data;
  L.forEach((l, i) => t.ok(Math.abs(g[i] - (1 - Math.exp(-s[i]) * l)) < 1e-5, `d total / d s_${i}`));
  t.end();
});

t.test("'positive' Dice: per-image Dice over the images with a mass only, no gradient to the others", (t) => {
  const [n, h, w] = [3, 4, 5];
  const logits = new Float32Array(n * h * w).map((_, i) => Math.sin(i * 1.7) * 2);
  const mask = new Float32Array(n * h * w);
  for (const i of [3, 4, 9, 10]) mask[i] = 1;                  // image 0 has a mass
  for (const i of [2 * h * w + 7, 2 * h * w + 8]) mask[i] = 1;  // image 2 too; image 1 is empty
  const x = Tensor.from(logits, [n, 1, h, w], { requiresGrad: true });
  const loss = positiveDice(x, Tensor.from(mask, [n, 1, h, w]));
  // By hand: 1 - (2 sum(p t) + 1) / (sum p + sum t + 1) per image, averaged over images 0 and 2.
  const term = (k: number): number => {
    let pt = 0, ps = 0, ts = 0;
    for (let i = k * h * w; i < (k + 1) * h * w; i++) { const p = 1 / (1 + Math.exp(-logits[i])); pt += p * mask[i]; ps += p; ts += mask[i]; }
    return 1 - (2 * pt + 1) / (ps + ts + 1);
  };
  t.ok(Math.abs(loss.item() - (term(0) + term(2)) / 2) < 1e-5, `${loss.item()} vs ${(term(0) + term(2)) / 2}`);
  loss.backward();
  const g = x.grad!.toFloat32Array();
  t.ok(g.subarray(h * w, 2 * h * w).every((v) => v === 0), 'the empty image gets no gradient');
  t.ok(g.subarray(0, h * w).some((v) => v !== 0) && g.subarray(2 * h * w).some((v) => v !== 0));
  const none = positiveDice(Tensor.from(logits, [n, 1, h, w]), Tensor.zeros([n, 1, h, w]));
  t.equal(none.item(), 0, 'a batch without a mass adds nothing');
  t.throws(() => new MultiTaskLoss({ dice: 'pixel' as never }), /Expected one of image, batch, positive for dice but received pixel/);
  t.end();
});
