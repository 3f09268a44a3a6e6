import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { saveModel } from '../lib/train/model-checkpoint';
import { writeCheckpoint } from '../lib/train/checkpoint';
import { describeInit, initFromCheckpoint, initFromStateDict } from '../lib/train/init-weights';
import { trainModel } from '../lib/cli/train-run';
import { generatePhantoms } from '../lib/data/phantom';
import { Tensor } from '../lib/tensor';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-init-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

const classes3 = ['normal', 'benign', 'malignant'];
const values = (m: FTMTLNet): Record<string, number[]> => Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, [...v.toFloat32Array()]]));

t.test('--init copies every tensor of a checkpoint of the same architecture, at any image size', async (t) => {
  const a = FTMTLNet.create({ imageSize: 64, seed: 1, classNames: classes3 });
  await saveModel(a, path.join(tmp, 'a'));
  const b = FTMTLNet.create({ imageSize: 128, seed: 2, classNames: classes3 });
  t.not(JSON.stringify(values(a)), JSON.stringify(values(b)), 'different seeds start apart');
  const r = await initFromCheckpoint(b, path.join(tmp, 'a'));
  t.equal(r.copied, r.total);
  t.same(r.skipped, []);
  t.same(values(b), values(a));
  t.equal(b.config.imageSize, 128, 'the model keeps its own config');
  t.match(describeInit(r), new RegExp(`^init: ${r.total} of ${r.total} tensors from `));
  t.end();
});

t.test('a head with another number of classes keeps its initialisation and is named', (t) => {
  const a = FTMTLNet.create({ imageSize: 64, seed: 1, classNames: ['benign', 'malignant'] });
  const b = FTMTLNet.create({ imageSize: 64, seed: 2, classNames: classes3 });
  const before = values(b);
  const r = initFromStateDict(b, a.stateDict(), 'two-class model');
  t.ok(r.copied > 0 && r.copied < r.total);
  t.ok(r.skipped.length > 0 && r.skipped.every((s) => /shape \[2(, \d+)?\] there, \[3(, \d+)?\] here/.test(s)), r.skipped.join('; '));
  const after = values(b), va = values(a);
  for (const s of r.skipped) {
    const name = s.split(':')[0];
    t.same(after[name], before[name], `${name} unchanged`);
  }
  for (const name of Object.keys(after).filter((k) => !r.skipped.some((s) => s.startsWith(k + ':')))) t.same(after[name], va[name]);
  t.match(describeInit(r), /kept fresh: /);
  t.end();
});

t.test('a checkpoint with nothing in common is refused with its folder named', async (t) => {
  const dir = path.join(tmp, 'other');
  await writeCheckpoint(dir, { arch: 'something else' }, { 'w': Tensor.from(Float32Array.of(1, 2), [2]) });
  const m = FTMTLNet.create({ imageSize: 64, seed: 1, classNames: classes3 });
  await t.rejects(initFromCheckpoint(m, dir), new RegExp(`cannot initialise from ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: none of its tensors matches`));
  await t.rejects(initFromCheckpoint(m, path.join(tmp, 'missing')), /cannot read the checkpoint config .*missing/);
  t.end();
});

t.test('the patch stage trains at the patch size and hands its weights to the whole-image model', async (t) => {
  const train = generatePhantoms({ count: 6, size: 64, seed: 3 });
  const lines: string[] = [];
  const run = await trainModel({
    train, val: [], classes: classes3, preset: 'xs', size: 64, transfer: 'full', epochs: 1, batch: 4, lr: 1e-3, seed: 0, threads: 1,
    out: null, augment: false, progress: 'lines', log: (l) => lines.push(l), patchStage: { epochs: 1, size: 32 },
  });
  t.ok(run.patchResult, 'the patch stage ran');
  t.equal(run.patchResult!.history.length, 1);
  t.match(lines.join('\n'), /patch stage: \d+ patches of 32 px \(\d+ around lesions, \d+ background; /);
  t.equal(run.init!.copied, run.init!.total, 'every tensor came from the patch model');
  t.match(run.init!.source, /the patch stage \(32 px\)/);
  t.equal(run.model.config.imageSize, 64);
  await t.rejects(trainModel({ train: generatePhantoms({ count: 2, size: 64, seed: 3 }).map((s) => ({ ...s, meta: { ...s.meta, lesions: [] } })), val: [], classes: classes3, preset: 'xs', size: 64, transfer: 'full', epochs: 1, batch: 4, lr: 1e-3, seed: 0, threads: 1, out: null, progress: 'lines', log: () => undefined, patchStage: { epochs: 1, size: 32 } }),
    /the patch stage needs located lesions/);
  t.end();
});

t.test('the phantom stage trains on phantoms once per process and starts the next stage', async (t) => {
  const train = generatePhantoms({ count: 6, size: 64, seed: 4 });
  const lines: string[] = [];
  const base = {
    train, val: [], classes: classes3, preset: 'xs' as const, size: 64, transfer: 'full' as const, epochs: 1, batch: 4, lr: 1e-3, seed: 5, threads: 1,
    out: null, augment: false as const, progress: 'lines' as const, log: (l: string) => lines.push(l), phantomStage: { epochs: 1, count: 8, size: 32 },
  };
  const first = await trainModel({ ...base, patchStage: { epochs: 1, size: 32 } });
  t.ok(first.phantomResult, 'the phantom stage ran');
  t.equal(first.phantomResult!.history.length, 1);
  t.match(lines.join('\n'), /phantom stage: 8 phantoms of 32 px, 1 epochs/);
  t.match(lines.join('\n'), /init: 161 of 161 tensors from the phantom stage \(8 phantoms of 32 px, 1 epochs\)\n[^]*init: 161 of 161 tensors from the patch stage/);
  lines.length = 0;
  const second = await trainModel({ ...base, patchStage: { epochs: 0, size: 32 } });
  t.equal(second.phantomResult, undefined, 'the same settings reuse the cached phantom weights');
  t.notMatch(lines.join('\n'), /phantom stage:/);
  t.match(second.init!.source, /the phantom stage/);
  lines.length = 0;
  const withInit = path.join(tmp, 'init-over-phantoms');
  await saveModel(FTMTLNet.create({ imageSize: 64, seed: 9, classNames: classes3 }), withInit);
  const third = await trainModel({ ...base, init: withInit, patchStage: { epochs: 0, size: 32 } });
  t.equal(third.init!.source, withInit, '--init replaces the phantom stage');
  t.notMatch(lines.join('\n'), /phantom stage/);
  await t.rejects(trainModel({ ...base, seed: 6, phantomStage: { epochs: 1, count: 2, size: 32 } }), /Expected an integer >= 8 for the phantom count but received 2/);
  t.end();
});
