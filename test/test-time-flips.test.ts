// Test-time flips (config.tta 'flips', lib/model/test-time-flips.ts): the flips themselves, the
// averaging against a hand computation, the config key, and the prediction paths that apply it.
import t from 'tap';
import { Tensor } from '../lib/tensor';
import { noGrad } from '../lib/autograd';
import { FTMTLNet, type FTMTLNetOutputs } from '../lib/model/ftmtlnet';
import { resolveConfig } from '../lib/model/config';
import { averageFlipped, flipTensor, flippedInputs, predictOutputs } from '../lib/model/test-time-flips';
import { predictGray } from '../lib/model/predict-run';
import { predictSamples } from '../lib/train/validate';
import { decodeOutputs } from '../lib/model/decode';
import { randTensor, seededRandom } from './support/check';
import { diskSample } from './support/model-fixtures';

t.test('flipTensor mirrors rows, columns or both, per plane', (t) => {
  // One image, two 2x3 planes.
  const x = Tensor.from(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), [1, 2, 2, 3]);
  t.same([...flipTensor(x, 'v').data], [4, 5, 6, 1, 2, 3, 10, 11, 12, 7, 8, 9], 'v: top and bottom rows swap');
  t.same([...flipTensor(x, 'h').data], [3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10], 'h: each row reversed');
  t.same([...flipTensor(x, 'hv').data], [6, 5, 4, 3, 2, 1, 12, 11, 10, 9, 8, 7], 'hv: both');
  t.same([...flipTensor(flipTensor(x, 'hv'), 'hv').data], [...x.data], 'a flip twice is the identity');
  t.same(flippedInputs(x, 'none'), [], 'no extra inputs without tta');
  t.same(flippedInputs(x, 'flips').map((f) => [...f.data]), ['v', 'h', 'hv'].map((f) => [...flipTensor(x, f as 'v').data]));
  t.throws(() => flipTensor(Tensor.from(new Float32Array(4), [2, 2]), 'v'), /Expected a \(N, C, H, W\) tensor to flip but received shape \[2, 2\]/);
  t.end();
});

// A stand-in network whose maps are fixed ramps (not flip-equivariant) and whose class logits
// read the image's top-left pixel: the average can be worked out by hand.
function rampNet(x: Tensor): FTMTLNetOutputs {
  const ramp = (c: number, h: number, w: number) => Tensor.from(Float32Array.from({ length: c * h * w }, (_, i) => i % (h * w)), [1, c, h, w]);
  return {
    class_logits: Tensor.from(Float32Array.from([x.data[0], 0, 0]), [1, 3]),
    heatmap: ramp(1, 2, 2), size: ramp(2, 2, 2), offset: ramp(2, 2, 2), mask_logits: ramp(1, 2, 2),
  };
}

t.test('averageFlipped flips each map back and averages; offsets are the unflipped pass\'s', (t) => {
  const x = Tensor.from(Float32Array.from([8, 0, 0, 0]), [1, 1, 2, 2]);
  const out = predictOutputs('flips', x, rampNet);
  // Ramp [0 1; 2 3] flipped back by v, h, hv: [2 3; 0 1], [1 0; 3 2], [3 2; 1 0]; the mean of the four is 1.5 everywhere.
  t.same([...out.heatmap.data], [1.5, 1.5, 1.5, 1.5]);
  t.same([...out.mask_logits.data], [1.5, 1.5, 1.5, 1.5]);
  t.same([...out.size.data], [1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5]);
  t.same([...out.offset.data], [0, 1, 2, 3, 0, 1, 2, 3], 'offsets unchanged');
  // The top-left pixel is 8 in the image and 0 in its three mirror images: (8 + 0 + 0 + 0) / 4.
  t.same([...out.class_logits.data], [2, 0, 0]);
  t.equal(predictOutputs('none', x, rampNet).heatmap.data[3], 3, "'none' is the plain forward");
  t.throws(() => averageFlipped(rampNet(x), [rampNet(x)]), /Expected 3 flipped outputs but received 1/);
  t.end();
});

t.test('config.tta: default none, flips kept, old configs read as none, bad values refused', (t) => {
  t.equal(resolveConfig({}).tta, 'none');
  t.equal(resolveConfig({ tta: 'flips' }).tta, 'flips');
  const old = { ...resolveConfig({}) } as Record<string, unknown>;
  delete old.tta;
  t.equal(resolveConfig(old as never).tta, 'none', 'a config.json written before tta existed');
  t.throws(() => resolveConfig({ tta: 'rotate' as never }), /Expected one of "none", "flips" for tta but received "rotate"/);
  t.end();
});

t.test('predictGray and predictSamples apply the config\'s flips; options override it', async (t) => {
  const model = FTMTLNet.create({ imageSize: 32, seed: 5, tta: 'flips' }).eval();
  const rng = seededRandom(61);
  const x = randTensor(rng, [2, 1, 32, 32]);
  const forward = (xx: Tensor) => noGrad(() => model.forward(xx));
  // By hand: the four passes, each flipped back, averaged.
  const plain = forward(x);
  const passes = (['v', 'h', 'hv'] as const).map((f) => forward(flipTensor(x, f)));
  const hand = plain.heatmap.data.map((v, i) => (v + passes.reduce((s, o, k) => s + flipTensor(o.heatmap, (['v', 'h', 'hv'] as const)[k]).data[i], 0)) / 4);
  const averaged = predictOutputs('flips', x, forward);
  t.ok(hand.every((v, i) => Math.abs(v - averaged.heatmap.data[i]) < 1e-6), 'the averaged heatmap equals the hand average');
  t.ok(plain.heatmap.data.some((v, i) => Math.abs(v - averaged.heatmap.data[i]) > 1e-4), 'and differs from the plain forward');

  const samples = [diskSample('a', 32, [8, 8, 20, 20], 'benign'), diskSample('b', 32, [4, 10, 14, 24], 'malignant')];
  const flips = await predictSamples(model, samples, { batchSize: 2 });
  const none = await predictSamples(model, samples, { batchSize: 2, tta: 'none' });
  const images = Tensor.from(Float32Array.from([...samples[0].image.data, ...samples[1].image.data]), [2, 1, 32, 32]);
  const expected = decodeOutputs(predictOutputs('flips', images, forward), { stride: model.config.headStride, threshold: 0.02, topK: 10, classPrior: null });
  t.same(flips.predictions.map((p) => p.probabilities.map((v) => +v.toFixed(6))), expected.map((d) => d.probabilities.map((v) => +v.toFixed(6))), 'predictSamples: the config\'s flips');
  t.notSame(flips.predictions[0].probabilities, none.predictions[0].probabilities, "tta: 'none' overrides the config");

  const single = predictGray(model, samples[0].image, { threshold: 0 });
  const singleNone = predictGray(model, samples[0].image, { threshold: 0, tta: 'none' });
  t.notSame(single.probabilities, singleNone.probabilities, 'predictGray: flips by default for this model, none on request');
  t.end();
});
