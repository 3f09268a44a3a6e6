import t from 'tap';
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { runCli } from './support/run-cli';
import { generatePhantoms } from '../lib/data/phantom';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { Trainer } from '../lib/train/trainer';
import { resumeFlags } from '../lib/cli/resume';
import { resolveConfig } from '../lib/model/config';

// A tiny run (8 phantoms of 64 px, one epoch) trained with non-default preset, size and transfer.
const tiny = ['--count', '8', '--batch', '4', '--val-fraction', '0.25'];

async function config(dir: string): Promise<{ preset: string; imageSize: number; transfer: string; seed: number }> {
  return JSON.parse(await fsp.readFile(path.join(dir, 'last', 'config.json'), 'utf8'));
}

t.test('train --resume rebuilds the model from the checkpoint config, not from the flags', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ftm-resume-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const first = await runCli('train', ...tiny, '--preset', 's', '--size', '64', '--transfer', 'none', '--seed', '3', '--epochs', '1', '--out', dir);
  t.equal(first.code, 0, `first run: ${first.stderr.slice(-300)}`);

  // No model flags: the defaults (xs, 128, full, seed 0) would not load these weights.
  const second = await runCli('train', ...tiny, '--resume', dir, '--epochs', '2');
  t.equal(second.code, 0, `resumed without flags: ${second.stderr.slice(-300)}`);
  t.match(second.stderr, /resume: model from .*config\.json \(preset s, size 64, transfer none, seed 3\)/, 'says where the model comes from');
  t.notMatch(second.stderr, /disagrees/, 'no disagreement without flags');
  t.same(await config(dir), { ...(await config(dir)), preset: 's', imageSize: 64, transfer: 'none', seed: 3 }, 'the checkpoint keeps its config');
  t.equal(JSON.parse(await fsp.readFile(path.join(dir, 'history.json'), 'utf8')).length, 2, 'two epochs in the history');

  // Flags that disagree: each is named, and the saved config wins.
  const third = await runCli('train', ...tiny, '--resume', dir, '--epochs', '3', '--preset', 'xs', '--size', '96', '--transfer', 'full');
  t.equal(third.code, 0, `resumed with disagreeing flags: ${third.stderr.slice(-300)}`);
  t.match(third.stderr, /--preset xs disagrees with the checkpoint's config\.json \(preset s\); resuming with preset s/, 'preset');
  t.match(third.stderr, /--size 96 disagrees with the checkpoint's config\.json \(size 64\); resuming with size 64/, 'size');
  t.match(third.stderr, /--transfer full disagrees with the checkpoint's config\.json \(transfer none\); resuming with transfer none/, 'transfer');
  t.notMatch(third.stderr, /--seed/, 'an agreeing (unset) flag is not mentioned');
  t.match(await config(dir), { preset: 's', imageSize: 64, transfer: 'none' }, 'still the saved model');
  t.equal(JSON.parse(await fsp.readFile(path.join(dir, 'history.json'), 'utf8')).length, 3, 'three epochs in the history');
});

t.test('resumeFlags: saved values win; only given flags that differ are noted', (t) => {
  const saved = resolveConfig({ preset: 'm', imageSize: 256, transfer: 'none', seed: 5 });
  const flags = { preset: 'xs' as const, size: 128, transfer: 'full' as const, seed: 5 };
  const none = resumeFlags(saved, flags, new Set());
  t.same(none.flags, { preset: 'm', size: 256, transfer: 'none', seed: 5 });
  t.same(none.notes, []);
  const some = resumeFlags(saved, flags, new Set(['size', 'seed']));
  t.same(some.notes, ["--size 128 disagrees with the checkpoint's config.json (size 256); resuming with size 256"]);
  t.end();
});

t.test('Trainer refuses to resume into a model built from another config, naming the field', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ftm-resume-lib-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const train = generatePhantoms({ count: 4, size: 64, seed: 1 });
  const base = { epochs: 2, batchSize: 4, lr: 1e-3, progress: 'none' as const, prefetch: 0, untilEpoch: 1 };
  await new Trainer(FTMTLNet.create({ imageSize: 64, transfer: 'none' }), train, null, { ...base, outDir: dir }).fit();
  const other = FTMTLNet.create({ imageSize: 64, transfer: 'full' });
  await t.rejects(new Trainer(other, train, null, { ...base, resume: dir }).fit(), /cannot resume from .*: the model is not the one in .*config\.json \(transfer: model "full", checkpoint "none"\)/);
});

t.test('train --resume keeps the validation split the run started with (split.json)', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ftm-resume-split-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const run = ['--count', '10', '--batch', '5', '--size', '64', '--threads', '1', '--preset', 'xs', '--recipe', 'mammogram', '--patch-epochs', '0', '--phantom-epochs', '0', '--tta', 'none'];
  const first = await runCli('train', ...run, '--val-fraction', '0.2', '--epochs', '1', '--out', dir);
  t.equal(first.code, 0, first.stderr.slice(-300));
  const started = /data: (\d+) training and (\d+) validation images/.exec(first.stderr);
  t.ok(started && Number(started[2]) > 0, 'the first run held images out');
  t.same(JSON.parse(await fsp.readFile(path.join(dir, 'split.json'), 'utf8')), { valFraction: 0.2 });

  // Without --val-fraction the recipe's default would be 0 (every image trains); the resumed run keeps 0.2.
  const second = await runCli('train', ...run, '--resume', dir, '--epochs', '2');
  t.equal(second.code, 0, second.stderr.slice(-300));
  t.match(second.stderr, /resume: validation share 0\.2 \(from .*split\.json\)/);
  t.match(second.stderr, started![0], 'the same training and validation images');

  // A run from before split.json started with the old default of 0.2.
  await fsp.rm(path.join(dir, 'split.json'));
  const third = await runCli('train', ...run, '--resume', path.join(dir, 'last'), '--epochs', '3');
  t.equal(third.code, 0, third.stderr.slice(-300));
  t.match(third.stderr, /resume: validation share 0\.2 \(no split\.json: the default when this run started\)/);
  t.match(third.stderr, started![0]);

  await fsp.writeFile(path.join(dir, 'split.json'), '{"valFraction": 3}');
  await t.rejects(runCli('train', ...run, '--resume', dir, '--epochs', '4'), /split\.json holds no valFraction in \[0, 1\) \(3\); give --val-fraction/);
  await fsp.writeFile(path.join(dir, 'split.json'), '{"valFr');
  await t.rejects(runCli('train', ...run, '--resume', dir, '--epochs', '4'), /cannot resume: .*split\.json is not JSON/);
  const given = await runCli('train', ...run, '--resume', dir, '--epochs', '4', '--val-fraction', '0.2');
  t.equal(given.code, 0, 'an explicit --val-fraction does not read split.json');
});
