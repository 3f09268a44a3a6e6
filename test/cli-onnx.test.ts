import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { saveModel } from '../lib/train/model-checkpoint';
import { writePhantomFolder } from '../lib/data/phantom-folder';
import { runCli } from './support/run-cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-cli-onnx-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

t.test('export, parity and predict --engine onnx from the CLI', async (t) => {
  const ck = path.join(dir, 'ck');
  await saveModel(FTMTLNet.create({ preset: 'xs', imageSize: 64, numClasses: 3, seed: 4 }), ck);
  await writePhantomFolder({ out: path.join(dir, 'data'), count: 1, size: 96, seed: 3 } as never);
  const image = path.join(dir, 'data', 'images', fs.readdirSync(path.join(dir, 'data', 'images'))[0]);

  const exp = await runCli('export', '--model', ck, '--out', path.join(dir, 'm.onnx'));
  t.equal(exp.code, 0, exp.stderr);
  t.match(exp.stdout, /^wrote .*m\.onnx \(opset 17, 64x64, classes normal, benign, malignant\)/);
  t.ok(fs.statSync(path.join(dir, 'm.onnx')).size > 10000);

  const par = await runCli('parity', '--model', ck, '--image', image, '--batch', '1,3', '--json');
  t.equal(par.code, 0, par.stderr);
  const report = JSON.parse(par.stdout);
  t.equal(report.ok, true);
  t.equal(report.rows.length, 15, '5 outputs x (batch 1, batch 3, the image)');

  const ours = JSON.parse((await runCli('predict', '--model', ck, image, '--json')).stdout);
  const theirs = JSON.parse((await runCli('predict', '--model', ck, image, '--json', '--engine', 'onnx')).stdout);
  t.equal(theirs.label, ours.label);
  ours.probabilities.forEach((p: number, i: number) => t.ok(Math.abs(p - theirs.probabilities[i]) < 1e-5, `probability ${i} agrees`));
  t.equal(theirs.mask.area, ours.mask.area);

  await t.rejects(runCli('export', '--model', ck, '--out', path.join(dir, 'x.onnx'), '--opset', '10'), /opset 11 or newer, not 10/);
  t.notOk(fs.existsSync(path.join(dir, 'x.onnx')), 'nothing written');
});
