import t from 'tap';
import { Command } from 'commander';
import { RECIPES, addRecipeOptions, defaultRecipeName, preprocessFor, recipeFromFlags, recipeValFraction, resolveRecipe } from '../lib/cli/recipe';
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { addDataOptions } from '../lib/cli/options';
import { runCli } from './support/run-cli';

function parse(argv: string[]) {
  const cmd = addDataOptions(addRecipeOptions(new Command('x').exitOverride().configureOutput({ writeErr: () => undefined })));
  cmd.parse(argv, { from: 'user' });
  return recipeFromFlags(cmd, cmd.opts());
}

t.test('without --recipe: real data gets mammogram, phantoms get phantom', (t) => {
  t.equal(defaultRecipeName(undefined, undefined), 'phantom');
  t.equal(defaultRecipeName(undefined, 'synthetic'), 'phantom');
  t.equal(defaultRecipeName('/d', 'synthetic'), 'phantom');
  t.equal(defaultRecipeName('/d', 'mias'), 'mammogram');
  t.equal(defaultRecipeName('/d', undefined), 'mammogram');
  t.equal(parse([]).name, 'phantom');
  t.equal(parse(['--data', '/x', '--format', 'mias']).name, 'mammogram');
  t.same(parse(['--data', '/x', '--format', 'mias']).recipe, RECIPES.mammogram);
  t.same(parse([]).recipe, RECIPES.phantom);
  t.end();
});

t.test('--recipe chooses explicitly, whatever the data', (t) => {
  t.same(parse(['--data', '/x', '--recipe', 'phantom']).recipe, RECIPES.phantom);
  t.same(parse(['--recipe', 'mammogram']).recipe, RECIPES.mammogram);
  t.end();
});

t.test('flags given explicitly override the recipe, the rest stays the recipe\'s', (t) => {
  const r = parse(['--data', '/x', '--size', '128', '--epochs', '3', '--sampling', 'uniform', '--dice', 'image', '--no-augment', '--loss-weights', '1,2,3', '--size-weight', '1', '--preprocess', 'letterbox', '--preset', 'm', '--lr', '0.01', '--batch', '4', '--patch-epochs', '5', '--patch-size', '64', '--phantom-epochs', '2', '--tta', 'none', '--select', 'score']).recipe;
  t.same(r, { preset: 'm', size: 128, epochs: 3, batch: 4, lr: 0.01, lossWeights: { cls: 1, det: 2, seg: 3 }, sizeWeight: 1, dice: 'image', sampling: 'uniform', augment: false, preprocess: 'letterbox', pool: 'avg', patchEpochs: 5, patchSize: 64, phantomEpochs: 2, tta: 'none', select: 'score' });
  const p = parse(['--recipe', 'phantom', '--size', '256', '--augment']).recipe;
  t.same(p, { ...RECIPES.phantom, size: 256, augment: true });
  const m = parse(['--data', '/x', '--epochs', '2']).recipe;
  t.same(m, { ...RECIPES.mammogram, epochs: 2 });
  t.equal(RECIPES.mammogram.tta, 'flips', 'the mammogram recipe keeps test-time flips in its models');
  t.equal(RECIPES.mammogram.preset, 's', 'the mammogram recipe trains preset s (the phantom recipe xs)');
  t.equal(RECIPES.mammogram.select, 'last', "the mammogram recipe keeps the last epoch as best/ (what cv evaluates)");
  t.equal(parse(['--recipe', 'phantom', '--tta', 'flips']).recipe.tta, 'flips', '--tta overrides either way');
  t.end();
});

t.test('bad values are refused with the flag named', (t) => {
  t.throws(() => parse(['--size', '100']), /--size must be a multiple of 32/);
  t.throws(() => parse(['--recipe', 'dense']), /Allowed choices are mammogram, phantom/);
  t.throws(() => parse(['--patch-size', '70']), /--patch-size must be a multiple of 32/);
  t.throws(() => parse(['--patch-epochs', '-1']), /--patch-epochs/);
  t.throws(() => parse(['--phantom-epochs', '-1']), /--phantom-epochs/);
  t.throws(() => parse(['--tta', 'rotations']), /Allowed choices are none, flips/);
  t.throws(() => resolveRecipe('dense' as never, {}), /Expected one of mammogram, phantom for recipe but received dense/);
  t.end();
});

t.test('the phantom recipe keeps the demo defaults; mammogram preprocessing is stored', (t) => {
  t.same(RECIPES.phantom, { preset: 'xs', size: 128, epochs: 10, batch: 8, lr: 2e-3, lossWeights: { cls: 4, det: 1, seg: 1 }, sizeWeight: 1, dice: 'image', sampling: 'uniform', augment: true, preprocess: 'letterbox', pool: 'avg', patchEpochs: 0, patchSize: 64, phantomEpochs: 0, tta: 'none', select: 'score' });
  t.equal(preprocessFor('letterbox'), null);
  t.same(preprocessFor('crop'), { crop: true, flip: 'auto', normalize: 'minmax' });
  t.end();
});

t.test('train: --early-stopping with a recipe that keeps the last epoch says to select by score', async (t) => {
  // The command line prints the thrown message as `ftmtlnet: <message>` and exits 1 (main.ts).
  await t.rejects(runCli('train', '--data', '/nonexistent-mias', '--format', 'mias', '--early-stopping', '3'),
    /--early-stopping needs --select score \(recipe mammogram keeps the last epoch as best\/\)/);
});

t.test('train holds a validation split out only when it selects the best epoch on it', async (t) => {
  t.equal(recipeValFraction(RECIPES.mammogram), 0, 'mammogram keeps the last epoch: every image trains');
  t.equal(recipeValFraction(RECIPES.phantom), 0.2);
  t.equal(recipeValFraction({ ...RECIPES.mammogram, select: 'score' }), 0.2, '--select score brings the split back');
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ftm-valsplit-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const tiny = ['--count', '10', '--size', '64', '--batch', '5', '--epochs', '1', '--threads', '1', '--preset', 'xs', '--patch-epochs', '0', '--phantom-epochs', '0', '--tta', 'none'];
  const all = await runCli('train', ...tiny, '--recipe', 'mammogram', '--out', path.join(dir, 'a'));
  t.equal(all.code, 0, all.stderr.slice(-400));
  t.match(all.stderr, /data: 10 training and 0 validation images/);
  t.match(all.stderr, /note: no validation split: best\/ is the last epoch/);
  const held = await runCli('train', ...tiny, '--recipe', 'mammogram', '--val-fraction', '0.2', '--out', path.join(dir, 'b'));
  t.equal(held.code, 0, held.stderr.slice(-400));
  t.match(held.stderr, /data: (9 training and 1|8 training and 2|7 training and 3) validation images/, 'an explicit --val-fraction wins (stratified per class)');
  t.notMatch(held.stderr, /no validation split/);
  const phantom = await runCli('train', ...tiny, '--recipe', 'phantom', '--out', path.join(dir, 'c'));
  t.equal(phantom.code, 0, phantom.stderr.slice(-400));
  t.match(phantom.stderr, /data: (9 training and 1|8 training and 2|7 training and 3) validation images/);
});
