import t from 'tap';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { encodeTargets } from '../lib/model/targets';
import { MultiTaskLoss } from '../lib/model/multitask-loss';
import type { Transfer } from '../lib/model/config';
import { batchImages, diskSample, maxAbs } from './support/model-fixtures';

const S = 64;
const samples = [
  diskSample('a', S, [8, 12, 32, 30], 'malignant', 1),
  diskSample('b', S, [30, 28, 56, 50], 'benign', 2),
];

// Runs one forward/backward with the given task weights; returns each parameter's max |grad|.
function gradients(transfer: Transfer, weights: { cls: number; det: number; seg: number }): Map<string, number> {
  const model = FTMTLNet.create({ preset: 'xs', imageSize: S, transfer, seed: 5 });
  const targets = encodeTargets(samples, { classNames: model.classNames, imageSize: S, headStride: 8 });
  const loss = new MultiTaskLoss({ weights });
  const { total, parts } = loss.compute(model.forward(batchImages(samples)), targets);
  if (!Number.isFinite(parts.total)) throw new Error(`loss is ${parts.total}`);
  total.backward();
  return new Map(model.namedParameters().map(([n, p]) => [n, maxAbs(p.grad)]));
}

function zeroed(g: Map<string, number>, prefix: string): string[] {
  return [...g.entries()].filter(([n, v]) => n.startsWith(prefix) && v === 0).map(([n]) => n);
}

function nonzero(g: Map<string, number>, prefix: string): string[] {
  return [...g.entries()].filter(([n, v]) => n.startsWith(prefix) && v !== 0).map(([n]) => n);
}

t.test('with every loss, every parameter of every branch gets a gradient (both modes)', (t) => {
  for (const transfer of ['full', 'none'] as const) {
    const g = gradients(transfer, { cls: 1, det: 1, seg: 1 });
    t.same(zeroed(g, ''), [], `${transfer}: no parameter without gradient`);
  }
  t.end();
});

t.test('transfer full: the classification loss reaches the detection and segmentation encoder', (t) => {
  const g = gradients('full', { cls: 1, det: 0, seg: 0 });
  t.same(zeroed(g, 'cls.'), [], 'all of cls');
  t.same(zeroed(g, 'det.stage'), [], 'all det stages (det_k -> cls_k transfer)');
  t.same(zeroed(g, 'seg.encoder'), [], 'all of the seg encoder (seg_k -> cls_k transfer)');
  t.same(zeroed(g, 'stem.'), [], 'the stem');
  t.same(nonzero(g, 'det.head'), [], 'not the detection head');
  t.same(nonzero(g, 'seg.decoder'), [], 'not the segmentation decoder');
  t.end();
});

t.test('transfer full: the detection loss reaches the segmentation encoder but not cls', (t) => {
  const g = gradients('full', { cls: 0, det: 1, seg: 0 });
  t.same(zeroed(g, 'det.'), [], 'all of det');
  t.same(zeroed(g, 'seg.encoder.stage1'), [], 'seg_1 (-> det_1)');
  t.same(zeroed(g, 'seg.encoder.stage2'), [], 'seg_2 (-> det_2)');
  t.same(nonzero(g, 'seg.encoder.stage3'), [], 'not seg_3 (detection stops at stride 8)');
  t.same(nonzero(g, 'cls.'), [], 'not cls');
  t.end();
});

t.test('transfer none: each loss reaches only its own branch and the shared stem', (t) => {
  const c = gradients('none', { cls: 1, det: 0, seg: 0 });
  t.same(zeroed(c, 'cls.'), [], 'classification loss -> all of cls');
  t.same(nonzero(c, 'det.'), [], 'classification loss -> nothing in det');
  t.same(nonzero(c, 'seg.'), [], 'classification loss -> nothing in seg');
  t.same(zeroed(c, 'stem.'), [], 'classification loss -> the stem');
  const d = gradients('none', { cls: 0, det: 1, seg: 0 });
  t.same(zeroed(d, 'det.'), [], 'detection loss -> all of det');
  t.same(nonzero(d, 'seg.'), [], 'detection loss -> nothing in seg');
  t.same(nonzero(d, 'cls.'), [], 'detection loss -> nothing in cls');
  const s = gradients('none', { cls: 0, det: 0, seg: 1 });
  t.same(zeroed(s, 'seg.'), [], 'segmentation loss -> all of seg');
  t.same(nonzero(s, 'det.'), [], 'segmentation loss -> nothing in det');
  t.same(nonzero(s, 'cls.'), [], 'segmentation loss -> nothing in cls');
  t.end();
});
