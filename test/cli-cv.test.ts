import t from 'tap';
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { runCli } from './support/run-cli';

// Tiny runs on phantoms (64 px, one epoch): what the commands write, not how well they learn.
const tiny = ['--count', '12', '--size', '64', '--batch', '4', '--epochs', '1', '--threads', '1'];

t.test('cv: patient-level folds, per-fold and pooled metrics with intervals, resumable', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ftm-cv-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const cv = await runCli('cv', ...tiny, '--folds', '2', '--bootstrap', '50', '--json', '--out', dir);
  t.equal(cv.code, 0, cv.stderr.slice(-400));
  const j = JSON.parse(cv.stdout);
  t.equal(j.folds.length, 2);
  t.equal(j.folds.reduce((s: number, f: { images: number }) => s + f.images, 0), 12, 'every image is held out once');
  t.equal(j.pooled.images, 12);
  t.ok(Array.isArray(j.pooled.classification.aucCI) && Array.isArray(j.pooled.detection.frocCI['1']));
  t.equal(j.recipe.name, 'phantom', 'phantoms default to the phantom recipe');
  t.type(j.majorityAccuracy, 'number');
  const again = await runCli('cv', ...tiny, '--folds', '2', '--bootstrap', '50', '--json', '--out', dir);
  t.match(again.stderr, /fold 1\/2: read back/, 'finished folds are read back');
  t.same(JSON.parse(again.stdout).pooled, j.pooled, 'same records, same result');
  const selected = await runCli('cv', ...tiny, '--folds', '2', '--select', 'last', '--bootstrap', '50', '--json', '--out', dir);
  t.match(selected.stderr, /fold 2\/2: read back/, '--select only picks train\'s best/, so it does not retrain a fold');
  // The fold's model on its own held-out images (eval --ids takes the fold's records.json).
  const held = await runCli('eval', '--model', path.join(dir, 'fold-0', 'model'), '--count', '12', '--start', '0', '--ids', path.join(dir, 'fold-0', 'records.json'), '--json', '--bootstrap', '20');
  t.equal(held.code, 0, held.stderr.slice(-300));
  t.equal(JSON.parse(held.stdout).images, j.folds[0].images, 'eval --ids: just the held-out images');
  await fsp.writeFile(path.join(dir, 'ids.txt'), 'no-such-image\n');
  await t.rejects(runCli('eval', '--model', path.join(dir, 'fold-0', 'model'), '--count', '12', '--start', '0', '--ids', path.join(dir, 'ids.txt')), /ids\.txt: 1 id\(s\) not in the data set: no-such-image/, 'an unknown id fails, naming the file');
  const other = await runCli('cv', ...tiny, '--folds', '2', '--seed', '1', '--fold', '2', '--bootstrap', '50', '--json', '--out', dir);
  t.notMatch(other.stderr, /read back/, 'other settings retrain');
  t.equal(JSON.parse(other.stdout).folds.length, 1, '--fold runs only that fold');
});
