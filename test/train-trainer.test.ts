import t from 'tap';
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { generatePhantoms } from '../lib/data/phantom';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { Trainer, type TrainerOptions } from '../lib/train/trainer';
import { EarlyStopping } from '../lib/train/early-stopping';

// Tiny phantoms and a tiny model: each run takes a few seconds.
const S = 64;
const train = generatePhantoms({ count: 8, size: S, seed: 3 });
const val = generatePhantoms({ count: 3, size: S, seed: 3, start: 1000 });

function model(seed = 0): FTMTLNet {
  return FTMTLNet.create({ preset: 'xs', imageSize: S, seed });
}

const base: TrainerOptions = { epochs: 2, batchSize: 4, lr: 3e-3, seed: 11, progress: 'none', prefetch: 0 };

async function tmp(name: string): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), `ftm-${name}-`));
}

function weights(m: FTMTLNet): number[] {
  return m.namedParameters().flatMap(([, p]) => [...p.data]);
}

t.test('a short run on tiny phantoms lowers the training loss and validates each epoch', async (t) => {
  const m = model();
  const trainer = new Trainer(m, train, val, { ...base, epochs: 5, lr: 5e-3, warmupSteps: 2, augment: false });
  const r = await trainer.fit();
  const losses = r.history.map((h) => h.train.total!);
  t.equal(r.history.length, 5, 'five epochs');
  t.ok(losses.every(Number.isFinite), `finite losses ${losses.map((l) => l.toFixed(3))}`);
  t.ok(losses[4] < losses[0] * 0.8, `loss fell: ${losses[0].toFixed(3)} -> ${losses[4].toFixed(3)}`);
  t.ok(r.history.every((h) => h.metrics && h.metrics.images === val.length), 'validation metrics each epoch');
  t.ok(r.history.every((h) => Number.isFinite(h.val!.total!)), 'validation loss each epoch');
  t.equal(r.recoveries, 0, 'no NaN steps');
});

t.test('same seed and threads -> the same loss curve and weights', async (t) => {
  const a = model(1);
  const b = model(1);
  const ra = await new Trainer(a, train, null, base).fit();
  const rb = await new Trainer(b, train, null, { ...base, prefetch: 2 }).fit();
  t.same(ra.history.map((h) => h.train), rb.history.map((h) => h.train), 'identical per-epoch losses (in-thread and worker batches)');
  t.same(weights(a), weights(b), 'identical weights');
  const c = model(1);
  const rc = await new Trainer(c, train, null, { ...base, seed: 12 }).fit();
  t.notSame(rc.history.map((h) => h.train.total), ra.history.map((h) => h.train.total), 'another seed: another curve');
});

t.test('resume from a checkpoint continues exactly like an uninterrupted run', async (t) => {
  const dirA = await tmp('a');
  const dirB = await tmp('b');
  const a = model(2);
  const ra = await new Trainer(a, train, val, { ...base, outDir: dirA }).fit();
  const b = model(2);
  const rb1 = await new Trainer(b, train, val, { ...base, outDir: dirB, untilEpoch: 1 }).fit();
  t.equal(rb1.history.length, 1, 'stopped after epoch 1');
  const files = await fsp.readdir(path.join(dirB, 'last'));
  t.same(files.sort(), ['config.json', 'manifest.json', 'optimizer.safetensors', 'train-state.json', 'weights.safetensors'], 'resumable checkpoint files');
  t.ok((await fsp.readdir(path.join(dirB, 'best'))).includes('weights.safetensors'), 'best checkpoint');
  const c = model(99); // different initial weights: all state must come from the checkpoint
  const rc = await new Trainer(c, train, val, { ...base, outDir: dirB, resume: dirB }).fit();
  t.equal(rc.epochsRun, 1, 'one more epoch');
  t.same(rc.history.map((h) => h.train), ra.history.map((h) => h.train), 'same loss curve as the uninterrupted run');
  t.same(weights(c), weights(a), 'same final weights');
  t.same(rc.history[1].metrics, ra.history[1].metrics, 'same validation metrics');
  const saved = JSON.parse(await fsp.readFile(path.join(dirB, 'history.json'), 'utf8'));
  t.equal(saved.length, 2, 'history.json holds both epochs');
  await t.rejects(new Trainer(model(), train, null, { ...base, resume: path.join(dirB, 'nowhere') }).fit(), /cannot resume from .*nowhere/);
  await fsp.rm(dirA, { recursive: true, force: true });
  await fsp.rm(dirB, { recursive: true, force: true });
});

t.test('a NaN loss stops the step, restores the last good state and says so', async (t) => {
  const poisoned = train.map((s, i) => (i === 5 ? { ...s, image: { ...s.image, data: s.image.data.map((v, k) => (k === 100 ? NaN : v)) } } : s));
  const lines: string[] = [];
  const m = model(3);
  const r = await new Trainer(m, poisoned, null, { ...base, augment: false, log: (l) => lines.push(l), progress: 'lines' }).fit();
  t.equal(r.recoveries, 2, 'one bad batch per epoch undone');
  t.same(r.history.map((h) => h.recoveries), [1, 1], 'counted per epoch');
  t.ok(weights(m).every(Number.isFinite), 'weights stay finite');
  t.ok(m.namedBuffers().every(([, b]) => b.data.every(Number.isFinite)), 'buffers (running statistics) stay finite');
  t.ok(r.history.every((h) => Number.isFinite(h.train.total!)), 'epoch losses come from good steps only');
  t.ok(lines.some((l) => /NaN guard: epoch 1 step \d+: the loss is NaN; restored the last good parameters and optimizer state \(1 so far\)/.test(l)), 'logged');
  t.ok(lines.some((l) => /NaN guard: 2 step\(s\) .* undone in total/.test(l)), 'total logged');
});

t.test('early stopping rule and option validation', async (t) => {
  const es = new EarlyStopping(2, 0.01);
  t.same([0.5, 0.6, 0.605, 0.7, 0.69, 0.695].map((v, i) => es.update(i + 1, v)), [true, true, false, true, false, false], 'improvements beyond minDelta');
  t.ok(es.shouldStop, 'two epochs without improvement: stop');
  t.same(es.best, { epoch: 4, score: 0.7 });
  const never = new EarlyStopping(false);
  [0.5, 0.4, 0.3].forEach((v, i) => never.update(i + 1, v));
  t.notOk(never.shouldStop, 'patience false: never stops');
  const nan = new EarlyStopping(1);
  t.same([NaN, 0.2, NaN].map((v, i) => nan.update(i + 1, v)), [true, true, false], 'NaN never improves after the first epoch');
  t.throws(() => new Trainer(model(), train, null, { ...base, epochs: 0 }), new RangeError('Expected an integer >= 1 for options.epochs but received 0'));
  t.throws(() => new Trainer(model(), train, null, { ...base, optimizer: 'adam' as 'adamw' }), /Expected one of "adamw", "sgd" for options.optimizer/);
  const last = new EarlyStopping(false, 0, 'last');
  t.same([0.7, 0.2, NaN, 0.5].map((v, i) => last.update(i + 1, v)), [true, true, true, true], "select 'last': every epoch is the new best");
  t.same(last.best, { epoch: 4, score: 0.5 });
  t.throws(() => new Trainer(model(), train, null, { ...base, select: 'last', earlyStopping: 2 }), /Expected options.select 'score' with options.earlyStopping \(2\)/);
  t.throws(() => new Trainer(model(), train, null, { ...base, select: 'first' as 'last' }), /Expected one of "score", "last" for options.select/);
});

t.test("select 'last' keeps the final epoch's weights in best/", async (t) => {
  const dir = await tmp('select-last');
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const m = model(4);
  const result = await new Trainer(m, train, val, { ...base, epochs: 3, select: 'last', outDir: dir }).fit();
  t.equal(result.best!.epoch, 3, 'best is the last epoch');
  const bestWeights = await fsp.readFile(path.join(dir, 'best', 'weights.safetensors'));
  const lastWeights = await fsp.readFile(path.join(dir, 'last', 'weights.safetensors'));
  t.ok(bestWeights.equals(lastWeights), 'best/ and last/ hold the same weights');
});
