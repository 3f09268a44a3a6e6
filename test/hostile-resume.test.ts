// Checkpoints that survive kill -9 (issue 15, problem 9): a checkpoint folder is replaced as one
// unit, a torn folder is refused on resume, and resume falls back to the last complete one.
// (npm run fuzz -- kill runs the real thing: SIGKILL at random moments, 50+ times.)
import t from 'tap';
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { generatePhantoms } from '../lib/data/phantom';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { Trainer, type TrainerOptions } from '../lib/train/trainer';
import { writeCheckpointFolder, checkManifest } from '../lib/train/checkpoint-folder';
import { saveModel } from '../lib/train/model-checkpoint';

const S = 64;
const train = generatePhantoms({ count: 8, size: S, seed: 3 });
const model = (seed = 0) => FTMTLNet.create({ preset: 'xs', imageSize: S, seed });
const base: TrainerOptions = { epochs: 3, batchSize: 4, lr: 3e-3, seed: 11, progress: 'none', prefetch: 0 };
const weights = (m: FTMTLNet) => m.namedParameters().flatMap(([, p]) => [...p.data]);
const tmp = (name: string) => fsp.mkdtemp(path.join(os.tmpdir(), `ftm-${name}-`));

t.test('9: a save interrupted part-way leaves the previous folder whole; the next save cleans up', async (t) => {
  const dir = await tmp('ckfolder');
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const target = path.join(dir, 'last');
  await writeCheckpointFolder(target, async (d) => { await fsp.writeFile(path.join(d, 'a.bin'), 'epoch 1 a'); await fsp.writeFile(path.join(d, 'b.bin'), 'epoch 1 b'); }, { epoch: 1 });
  // "Killed" after the new a.bin was written, before b.bin: the throw leaves the disk as a kill would.
  await t.rejects(writeCheckpointFolder(target, async (d) => { await fsp.writeFile(path.join(d, 'a.bin'), 'epoch 2 a'); throw new Error('killed'); }, { epoch: 2 }), /killed/);
  t.same([await fsp.readFile(path.join(target, 'a.bin'), 'utf8'), await fsp.readFile(path.join(target, 'b.bin'), 'utf8')], ['epoch 1 a', 'epoch 1 b'], 'last/ still holds one whole epoch');
  t.equal(await checkManifest(target), null, 'and its manifest matches');
  t.equal((await fsp.readdir(dir)).filter((n) => n.includes('staging')).length, 1, 'the interrupted staging folder is left behind');
  await writeCheckpointFolder(target, async (d) => { await fsp.writeFile(path.join(d, 'a.bin'), 'epoch 2 a'); await fsp.writeFile(path.join(d, 'b.bin'), 'epoch 2 b'); }, { epoch: 2 });
  t.same((await fsp.readdir(dir)).sort(), ['last'], 'the next save removes leftovers (staging, .previous)');
  await fsp.writeFile(path.join(target, 'b.bin'), 'epoch 1 b');
  t.match(await checkManifest(target), /last\/b\.bin does not match the manifest \(9 bytes, SHA-256 [0-9a-f]{12}\.\.\., expected 9 bytes, [0-9a-f]{12}\.\.\.\)$/);
});

t.test('9: resume refuses a torn last/ and falls back to the last complete checkpoint, saying which', async (t) => {
  const ref = model(2);
  await new Trainer(ref, train, null, base).fit();

  const out = await tmp('torn');
  t.teardown(() => fsp.rm(out, { recursive: true, force: true }));
  await new Trainer(model(2), train, null, { ...base, outDir: out, untilEpoch: 1 }).fit();
  const epoch1 = await tmp('epoch1');
  t.teardown(() => fsp.rm(epoch1, { recursive: true, force: true }));
  await fsp.cp(path.join(out, 'last'), epoch1, { recursive: true });
  await new Trainer(model(2), train, null, { ...base, outDir: out, resume: out, untilEpoch: 2 }).fit();

  // The torn state the issue saw: epoch 2 weights beside epoch 1 train-state and optimizer state.
  const last = path.join(out, 'last');
  for (const f of ['train-state.json', 'optimizer.safetensors']) await fsp.copyFile(path.join(epoch1, f), path.join(last, f));
  await t.rejects(new Trainer(model(), train, null, { ...base, outDir: out, resume: out }).fit(), {
    message: new RegExp(`^cannot resume from ${out}: no complete checkpoint at ${last}: ${last}/optimizer\\.safetensors does not match the manifest .*; ${out}/\\.last\\.previous does not exist$`),
  });

  // A kill between the two renames of a save: no last/, a complete .last.previous (epoch 1).
  await fsp.rm(last, { recursive: true });
  await fsp.cp(epoch1, path.join(out, '.last.previous'), { recursive: true });
  const lines: string[] = [];
  const resumed = model(7);
  const r = await new Trainer(resumed, train, null, { ...base, outDir: out, resume: out, log: (l) => lines.push(l) }).fit();
  t.same(lines.filter((l) => l.startsWith('resume:')), [`resume: passed over an incomplete checkpoint: ${last} does not exist`]);
  t.ok(lines.some((l) => l === `resumed from ${out}/.last.previous: 1 epoch(s) done, step 2`), lines.join('\n'));
  t.equal(r.epochsRun, 2, 'epochs 2 and 3 run again');
  t.same(weights(resumed), weights(ref), 'the final weights are bit-identical to an uninterrupted run');
  t.same((await fsp.readdir(out)).sort(), ['best', 'history.json', 'last'], 'no .previous or staging folder left');
});

t.test('9: temp files left by a killed save are removed by the next save into the folder', async (t) => {
  const dir = await tmp('stale');
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const m = model(1);
  await saveModel(m, dir);
  const dead = '.weights.safetensors.tmp-4194303-1700000000000';   // no such process (beyond pid_max of most systems)
  const live = `.config.json.tmp-${process.pid}-1700000000000`;    // this process: may still be writing
  await fsp.writeFile(path.join(dir, dead), 'partial');
  await fsp.writeFile(path.join(dir, live), 'partial');
  await fsp.writeFile(path.join(dir, 'manifest.json'), '{}');
  await saveModel(m, dir);
  t.same((await fsp.readdir(dir)).sort(), [live, 'config.json', 'weights.safetensors'], 'the dead process\'s temp file and the stale manifest are gone');
});
