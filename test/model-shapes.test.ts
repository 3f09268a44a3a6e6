import t from 'tap';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { Tensor } from '../lib/tensor';
import { noGrad } from '../lib/autograd';
import { seededRandom, randTensor } from './support/check';

t.test('forward shapes for both transfer modes, presets and sizes', (t) => {
  const rng = seededRandom(3);
  const cases: [('xs' | 's'), number, number, 4 | 8][] = [['xs', 32, 1, 8], ['xs', 64, 2, 8], ['s', 32, 2, 8], ['xs', 64, 1, 4]];
  for (const transfer of ['full', 'none'] as const) {
    for (const [preset, S, N, headStride] of cases) {
      const m = FTMTLNet.create({ preset, imageSize: S, numClasses: 3, transfer, headStride, seed: 1 }).eval();
      const out = noGrad(() => m.forward(randTensor(rng, [N, 1, S, S])));
      const g = S / headStride;
      const what = `${transfer} ${preset} S=${S} N=${N} stride ${headStride}`;
      t.same(out.class_logits.shape, [N, 3], `${what}: class_logits`);
      t.same(out.heatmap.shape, [N, 1, g, g], `${what}: heatmap`);
      t.same(out.size.shape, [N, 2, g, g], `${what}: size`);
      t.same(out.offset.shape, [N, 2, g, g], `${what}: offset`);
      t.same(out.mask_logits.shape, [N, 1, S, S], `${what}: mask_logits`);
      for (const [k, v] of Object.entries(out)) t.ok(v.data.every(Number.isFinite), `${what}: ${k} finite`);
    }
  }
  t.end();
});

t.test('a non-square input whose sides are multiples of 32 also runs', (t) => {
  const m = FTMTLNet.create({ imageSize: 32, seed: 2 }).eval();
  const out = noGrad(() => m.forward(Tensor.zeros([1, 1, 32, 64])));
  t.same(out.mask_logits.shape, [1, 1, 32, 64]);
  t.same(out.heatmap.shape, [1, 1, 4, 8]);
  t.end();
});

t.test('transfer none is the same net with fewer FT inputs', (t) => {
  const full = FTMTLNet.create({ imageSize: 64, seed: 1 });
  const none = FTMTLNet.create({ imageSize: 64, seed: 1, transfer: 'none' });
  const names = (m: FTMTLNet) => m.namedParameters().map(([n]) => n);
  t.same(names(full), names(none), 'same parameter names');
  const ftIn = (m: FTMTLNet, n: string) => m.namedParameters().find(([k]) => k === n)![1].shape[1];
  const a = full.config.arch;
  t.equal(ftIn(full, 'det.stage1.ft.weight'), a.stem + a.seg[0], 'det_1 FT reads det_0 and seg_1');
  t.equal(ftIn(none, 'det.stage1.ft.weight'), a.stem, 'det_1 FT reads only det_0');
  t.equal(ftIn(full, 'cls.stage2.ft.weight'), a.cls[0] + a.seg[1] + a.det[1], 'cls_2 FT reads cls_1, seg_2 and det_2');
  t.equal(ftIn(full, 'cls.stage4.ft.weight'), a.cls[2] + a.seg[3], 'cls_4 FT reads cls_3 and seg_4 (no det at stride 32)');
  t.equal(ftIn(none, 'cls.stage2.ft.weight'), a.cls[0]);
  t.equal(ftIn(none, 'seg.decoder.stage1.ft.weight'), a.seg[1] + a.seg[0], 'the U-Net skip join stays in both modes');
  t.ok(full.numParameters() > none.numParameters());
  t.end();
});

t.test('the same seed gives the same weights; another seed different ones', (t) => {
  const a = FTMTLNet.create({ imageSize: 32, seed: 7 }).stateDict();
  const b = FTMTLNet.create({ imageSize: 32, seed: 7 }).stateDict();
  const c = FTMTLNet.create({ imageSize: 32, seed: 8 }).stateDict();
  const w = 'seg.encoder.stage2.0.conv.weight';
  t.same([...a[w].data], [...b[w].data]);
  t.notSame([...a[w].data], [...c[w].data]);
  t.end();
});

t.test('summary counts parameters and FLOPs per branch', (t) => {
  const m = FTMTLNet.create({ imageSize: 64, seed: 1 });
  const s = m.summary();
  t.equal(s.parameters, m.numParameters());
  t.same(Object.keys(s.branches), ['stem', 'seg', 'det', 'cls']);
  // stem: conv3x3 1 -> 8, stride 2: 8 x 32 x 32 outputs x 9 MACs x 2.
  t.equal(s.branches.stem.flops, 8 * 32 * 32 * 9 * 2);
  for (const b of ['seg', 'det', 'cls']) t.ok(s.branches[b].flops > 0, `${b} has FLOPs`);
  t.equal(m.summary(128).branches.seg.flops, 4 * s.branches.seg.flops, 'conv FLOPs scale with the pixel count');
  const none = FTMTLNet.create({ imageSize: 64, seed: 1, transfer: 'none' }).summary();
  t.ok(none.flops < s.flops);
  t.equal(none.branches.seg.flops, s.branches.seg.flops, 'segmentation is the same in both modes');
  t.match(s.text, /FTMTLNet at 64x64: \d+ parameters/);
  t.end();
});

t.test('bad input and bad options throw clear errors', (t) => {
  const m = FTMTLNet.create({ imageSize: 32 });
  t.throws(() => m.forward(Tensor.zeros([1, 3, 32, 32])), new RangeError('Expected a tensor of shape (N, 1, H, W) for x but received a tensor of shape [1, 3, 32, 32] on cpu'));
  t.throws(() => m.forward(Tensor.zeros([1, 1, 40, 40])), new RangeError('Expected height and width that are multiples of 32 for x but received a tensor of shape [1, 1, 40, 40] on cpu'));
  t.throws(() => m.forward(new Float32Array(4) as never), new TypeError('Expected a Tensor for x but received Float32Array(4)'));
  t.throws(() => FTMTLNet.create({ imageSize: 100 }), new RangeError('Expected a multiple of 32 for imageSize but received 100'));
  t.throws(() => FTMTLNet.create({ preset: 'xl' as never }), new TypeError('Expected one of "xs", "s", "m", "l" for preset but received "xl"'));
  t.throws(() => FTMTLNet.create({ transfer: 'some' as never }), new TypeError('Expected one of "full", "none" for transfer but received "some"'));
  t.throws(() => FTMTLNet.create({ numClasses: 3, classNames: ['a', 'b'] }), new RangeError('Expected 3 class names (numClasses) for classNames but received 2 names'));
  t.end();
});
