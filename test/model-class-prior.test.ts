import t from 'tap';
import { resolveConfig } from '../lib/model/config';
import { softmaxRows } from '../lib/model/decode';
import { classShares } from '../lib/cli/train-run';
import { Tensor } from '../lib/tensor';
import type { Sample } from '../lib/data/sample';

t.test('classPrior: null by default, normalised when given, refused when malformed', (t) => {
  t.equal(resolveConfig({}).classPrior, null);
  t.same(resolveConfig({ classPrior: [2, 1, 1] }).classPrior, [0.5, 0.25, 0.25]);
  t.equal(resolveConfig({ classPrior: null }).classPrior, null);
  t.throws(() => resolveConfig({ classPrior: [0.5, 0.5] }), /classPrior/);
  t.throws(() => resolveConfig({ classPrior: [1, 0, 1] }), /null or an array of 3 positive numbers/);
  t.throws(() => resolveConfig({ classPrior: 'even' as never }), /classPrior/);
  t.same(resolveConfig(resolveConfig({ classPrior: [3, 1, 1] })).classPrior, [0.6, 0.2, 0.2], 'a stored config reads back the same');
  t.end();
});

t.test('decoding with a prior is softmax(logits + log prior), worked by hand', (t) => {
  const logits = Tensor.from(Float32Array.of(0, 0, 0, 1, 2, 3), [2, 3]);
  const plain = softmaxRows(logits);
  t.same(plain[0].map((p) => +p.toFixed(6)), [0.333333, 0.333333, 0.333333]);
  const adjusted = softmaxRows(logits, [0.5, 0.25, 0.25]);
  // even logits: the probabilities are the prior itself
  adjusted[0].forEach((p, i) => t.ok(Math.abs(p - [0.5, 0.25, 0.25][i]) < 1e-12));
  // e^1*0.5 : e^2*0.25 : e^3*0.25
  const w = [Math.E * 0.5, Math.E ** 2 * 0.25, Math.E ** 3 * 0.25];
  const s = w[0] + w[1] + w[2];
  adjusted[1].forEach((p, i) => t.ok(Math.abs(p - w[i] / s) < 1e-6, `${p} vs ${w[i] / s}`));
  t.throws(() => softmaxRows(logits, [0.5, 0.5]), /Expected 3 class prior shares but received 2/);
  t.end();
});

t.test('the training images\' class shares, with half an image for a missing class', (t) => {
  const s = (label: string): Sample => ({ id: label, image: { width: 1, height: 1, data: new Float32Array(1) }, mask: null, boxes: [], label, meta: {} });
  const shares = classShares([s('normal'), s('normal'), s('normal'), s('benign')], ['normal', 'benign', 'malignant']);
  t.same(shares.map((v) => +v.toFixed(6)), [3.5 / 5.5, 1.5 / 5.5, 0.5 / 5.5].map((v) => +v.toFixed(6)));
  t.end();
});
