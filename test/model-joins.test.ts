// Task-to-task transfers vs U-Net skip joins, and one stageSources for widths and tensors.
import t from 'tap';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { featureJoins } from '../lib/model/joins';
import { stageSources } from '../lib/model/branches';

t.test("transfer 'full' has six task-to-task transfers; 'none' has none; both keep the four skip joins", (t) => {
  const full = featureJoins(FTMTLNet.create({ imageSize: 64, transfer: 'full' }));
  t.same(full.taskTransfers, [
    'det.stage1: det + seg', 'det.stage2: det + seg',
    'cls.stage1: cls + seg + det', 'cls.stage2: cls + seg + det', 'cls.stage3: cls + seg', 'cls.stage4: cls + seg',
  ]);
  t.same(full.skipJoins, ['seg.decoder.stage3: up + skip', 'seg.decoder.stage2: up + skip', 'seg.decoder.stage1: up + skip', 'seg.decoder.stage0: up + skip']);
  t.same(full.singleSource, []);
  const none = featureJoins(FTMTLNet.create({ imageSize: 64, transfer: 'none' }));
  t.same(none.taskTransfers, []);
  t.same(none.skipJoins, full.skipJoins, 'the skip joins stay');
  t.same(none.singleSource, ['det.stage1', 'det.stage2', 'cls.stage1', 'cls.stage2', 'cls.stage3', 'cls.stage4']);
  t.end();
});

t.test('stageSources gives the constructor widths and the forward tensors in the same order', (t) => {
  const seg = ['s1', 's2', 's3', 's4'];
  const det = ['d1', 'd2'];
  t.same(stageSources('det', 'full', 1, 'own', seg, det), ['own', 's2']);
  t.same(stageSources('cls', 'full', 0, 'own', seg, det), ['own', 's1', 'd1']);
  t.same(stageSources('cls', 'full', 2, 'own', seg, det), ['own', 's3'], 'no det_3');
  t.same(stageSources('cls', 'none', 2, 'own', seg, det), ['own']);
  const m = FTMTLNet.create({ imageSize: 64, transfer: 'full' });
  const a = m.config.arch;
  m.cls.stages.forEach((s, k) => t.same(s.ft.inChannels, stageSources('cls', 'full', k, k === 0 ? a.stem : a.cls[k - 1], a.seg, a.det), `cls.stage${k + 1} widths`));
  t.end();
});
