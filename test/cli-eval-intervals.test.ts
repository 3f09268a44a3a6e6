import t from 'tap';
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { runCli } from './support/run-cli';

// Tiny runs on phantoms (64 px, one epoch): what the commands write, not how well they learn.
const tiny = ['--count', '12', '--size', '64', '--batch', '4', '--epochs', '1', '--threads', '1'];

t.test('train --recipe mammogram stores its preprocessing; eval applies it and reports intervals and overlays', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ftm-eval-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const train = await runCli('train', ...tiny, '--recipe', 'mammogram', '--preset', 'xs', '--patch-epochs', '1', '--patch-size', '32', '--val-fraction', '0.34', '--out', dir);
  t.equal(train.code, 0, train.stderr.slice(-400));
  t.match(train.stderr, /recipe mammogram: preset xs, 64 px \(crop\), 1 epochs/, 'explicit flags override the recipe');
  const config = JSON.parse(await fsp.readFile(path.join(dir, 'best', 'config.json'), 'utf8'));
  t.same(config.preprocess, { crop: true, flip: 'auto', normalize: 'minmax' });
  t.equal(config.classifierPool, 'avg');
  t.match(train.stderr, /patch stage: \d+ patches of 32 px .*\n[^]*init: \d+ of \d+ tensors from the patch stage \(32 px\)/, 'the patch stage ran first and handed its weights on');
  t.equal(config.classPrior.length, 3, 'balanced sampling stores the class shares');

  const ev = await runCli('eval', '--model', path.join(dir, 'best'), '--count', '10', '--json', '--bootstrap', '100', '--overlays', path.join(dir, 'ov'));
  t.equal(ev.code, 0, ev.stderr.slice(-400));
  const m = JSON.parse(ev.stdout);
  const isInterval = (v: unknown): boolean => Array.isArray(v) && v.length === 2 && (v[0] === null || v[0] <= v[1]);
  t.ok(isInterval(m.classification.aucCI), 'classification.aucCI');
  t.same(Object.keys(m.detection.frocCI).sort(), ['0.5', '1', '2', '4']);
  for (const k of ['0.5', '1', '2', '4']) t.ok(isInterval(m.detection.frocCI[k]), `detection.frocCI[${k}]`);
  t.ok(isInterval(m.detection.ap50CI), 'detection.ap50CI');
  t.ok(isInterval(m.segmentation.diceCI), 'segmentation.diceCI');
  t.same(m.bootstrap, { replicates: 100, seed: 0, level: 0.95 });
  t.type(m.classification.auc, 'number', 'the existing keys stay');
  const overlays = await fsp.readdir(path.join(dir, 'ov'));
  t.ok(overlays.length > 0 && overlays.every((f) => /^\d+-(missed-mass|false-positive|missed-malignant|false-malignant)-.*\.png$/.test(f)), overlays.join(' '));

  const table = await runCli('eval', '--model', path.join(dir, 'best'), '--count', '10', '--bootstrap', '50');
  t.match(table.stdout, /AUC \(malignant vs rest\)\s+\S+ \[/, 'the table prints intervals');
  t.match(table.stdout, /95% bootstrap interval \(50 replicates, images resampled, seed 0\)/);
});
