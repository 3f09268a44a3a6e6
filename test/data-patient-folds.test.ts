import t from 'tap';
import { patientFolds, patientKey } from '../lib/data/patient-folds';
import { splitSamples } from '../lib/cli/data-source';
import { balancedOrder } from '../lib/train/loader';
import { Rng } from '../lib/train/rng';
import type { Sample } from '../lib/data/sample';

const sample = (id: string, label: string, meta: Sample['meta'] = { source: 'mias' }): Sample => ({
  id, label, mask: null, boxes: [], image: { width: 1, height: 1, data: new Float32Array(1) }, meta,
});

// 60 mini-MIAS-like images: pairs (2k-1, 2k); some pairs missing one image.
function mias(): Sample[] {
  const out: Sample[] = [];
  for (let n = 1; n <= 64; n++) {
    if (n % 9 === 0) continue;
    const label = n % 7 === 0 ? 'malignant' : n % 5 === 0 ? 'benign' : 'normal';
    out.push(sample(`mdb${String(n).padStart(3, '0')}`, label));
  }
  return out;
}

t.test('patientKey: mini-MIAS pairs, meta.patientId, else the image', (t) => {
  t.equal(patientKey(sample('mdb001', 'normal')), patientKey(sample('mdb002', 'normal')));
  t.not(patientKey(sample('mdb002', 'normal')), patientKey(sample('mdb003', 'normal')));
  t.equal(patientKey(sample('mdb003', 'normal')), patientKey(sample('mdb004', 'benign')));
  t.equal(patientKey(sample('mdb321', 'normal')), 'mias-pair:161');
  t.equal(patientKey(sample('mdb001', 'normal', { source: 'mias-original' })), 'mias-pair:1');
  t.equal(patientKey(sample('a_L_CC', 'benign', { source: 'cbis', patientId: 'P_00001' })), 'patient:P_00001');
  t.equal(patientKey(sample('mdb001', 'normal', { source: 'folder' })), 'image:mdb001', 'not mini-MIAS: no pairing by name');
  t.end();
});

t.test('patientFolds: both breasts in one fold, every fold gets every class, seeded', (t) => {
  const s = mias();
  const fold = patientFolds(s, 5, 0);
  const byPair = new Map<string, Set<number>>();
  s.forEach((x, i) => byPair.set(patientKey(x), new Set([...(byPair.get(patientKey(x)) ?? []), fold[i]])));
  t.ok([...byPair.values()].every((f) => f.size === 1), 'no patient split across folds');
  for (let k = 0; k < 5; k++) {
    const labels = new Set(s.filter((_, i) => fold[i] === k).map((x) => x.label));
    t.ok(labels.has('malignant') && labels.has('normal'), `fold ${k} has malignant and normal`);
  }
  const sizes = [0, 1, 2, 3, 4].map((k) => fold.filter((f) => f === k).length);
  t.ok(Math.max(...sizes) - Math.min(...sizes) <= 4, `fold sizes ${sizes}`);
  t.same(patientFolds(s, 5, 0), fold, 'same seed, same folds');
  t.notSame(patientFolds(s, 5, 1), fold, 'another seed, other folds');
  t.throws(() => patientFolds(s, 1), /integer >= 2 for folds/);
  t.throws(() => patientFolds(s.slice(0, 4), 5), /at least 5 patients for 5 folds but received 2/);
  t.end();
});

t.test('splitSamples is patient-level for mini-MIAS, per image otherwise', (t) => {
  const s = mias();
  const { train, val } = splitSamples(s, 0.25, 0);
  t.equal(train.length + val.length, s.length);
  const valKeys = new Set(val.map(patientKey));
  t.ok(train.every((x) => !valKeys.has(patientKey(x))), 'no patient on both sides');
  t.ok(val.some((x) => x.label === 'malignant') && train.some((x) => x.label === 'malignant'));
  const phantoms = Array.from({ length: 20 }, (_, i) => sample(`p${i}`, ['normal', 'benign', 'malignant'][i % 3], { source: 'phantom' }));
  const sp = splitSamples(phantoms, 0.2, 0);
  t.equal(sp.val.length, 3, 'one image per patient, rounded per class: 7, 7 and 6 images x 0.2 -> 1 each');
  t.end();
});

t.test('balanced sampling draws each class about equally often', (t) => {
  const s = [...Array.from({ length: 90 }, (_, i) => sample(`n${i}`, 'normal', {})), ...Array.from({ length: 10 }, (_, i) => sample(`m${i}`, 'malignant', {}))];
  const counts = { normal: 0, malignant: 0 } as Record<string, number>;
  for (let e = 0; e < 50; e++) for (const i of balancedOrder(s, new Rng(e))) counts[s[i].label]++;
  t.ok(Math.abs(counts.malignant / 5000 - 0.5) < 0.03, `malignant share ${counts.malignant / 5000}`);
  t.same(balancedOrder(s, new Rng(3)), balancedOrder(s, new Rng(3)), 'seeded');
  t.equal(balancedOrder(s, new Rng(3)).length, s.length, 'an epoch keeps its length');
  t.end();
});
