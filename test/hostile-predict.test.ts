// predict() refuses what it cannot answer (issue 15, problem 7): non-finite or missing pixels,
// impossible sizes, ndarrays whose strides read past their data, non-finite weights.
import t from 'tap';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { Tensor } from '../lib/tensor';
import { predictGray } from '../lib/model/predict-run';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeDicom } from './support/dicom-fixtures';
import { encodePgm } from '../lib/data/pgm';
import { runCli } from './support/run-cli';
import { predictImage, closePredictor } from '../lib/model/predictor';
import { saveModel } from '../lib/train/model-checkpoint';

const model = FTMTLNet.create({ imageSize: 32, seed: 4 }).eval();
t.teardown(() => closePredictor(model));

const filled = (n: number, v: number) => new Float32Array(n).fill(v);

t.test('7: images with non-finite pixels are refused, naming the first bad pixel', async (t) => {
  await t.rejects(predictImage(model, { width: 4, height: 3, data: filled(12, NaN) }), {
    name: 'RangeError', message: 'Expected finite pixel values for image.data but received NaN at index 0 (x 0, y 0)',
  });
  const inf = filled(64, 0.5); inf[9] = Infinity;
  await t.rejects(predictImage(model, inf), { message: 'Expected finite pixel values for image.data but received Infinity at index 9 (x 1, y 1)' });
  await t.rejects(predictImage(model, { data: [0.1, -Infinity, 0.2, 0.3], shape: [2, 2] }), { message: /received -Infinity at index 1/ });
});

t.test('7: impossible sizes are refused', async (t) => {
  await t.rejects(predictImage(model, { width: 100000, height: 0, data: new Float32Array(0) }), {
    name: 'RangeError', message: 'Expected a positive integer for image.height but received 0',
  });
  await t.rejects(predictImage(model, { width: -1, height: -1, data: new Float32Array(1) }), { message: 'Expected a positive integer for image.width but received -1' });
  await t.rejects(predictImage(model, { width: 0.5, height: 2, data: new Float32Array(1) }), { message: 'Expected a positive integer for image.width but received 0.5' });
  await t.rejects(predictImage(model, { width: 3, height: 3, data: new Float32Array(8) }), { message: 'Expected data of length 9 (width * height) for image.data but received Float32Array(8)' });
  await t.rejects(predictImage(model, { width: 64, height: 64, data: new Float32Array(4096) }, { limits: { maxPixels: 1000 } }), {
    message: 'Expected at most 1000 pixels (maxPixels) for image but received 64x64 = 4096 pixels',
  });
  t.throws(() => predictGray(model, { width: 2, height: 2, data: filled(4, NaN) }), { message: /the network produced non-finite class probabilities/ },
    'the blocking path refuses a NaN result rather than returning it');
});

t.test('7: ndarrays whose strides or offset read past the data are refused', async (t) => {
  await t.rejects(predictImage(model, { data: new Float32Array(16), shape: [4, 4], stride: [8, 1], offset: 0 }), {
    name: 'RangeError',
    message: 'Expected strides and offset that stay inside the 16 values of image.data but received shape [4, 4], stride [8, 1], offset 0, which reach indices 0..27',
  });
  await t.rejects(predictImage(model, { data: new Float32Array(16), shape: [4, 4], stride: [-4, 1], offset: 0 }), { message: /reach indices -12\.\.3/ });
  const ok = await predictImage(model, { data: new Float32Array(32).fill(0.3), shape: [4, 4], stride: [8, 2], offset: 1 });
  t.equal(ok.probabilities.length, 3, 'a strided view inside its data still works');
  // Tensor.fromNdarray: the same check (it returned NaN/undefined reads before).
  t.throws(() => Tensor.fromNdarray({ data: new Float32Array(6), shape: [2, 3], stride: [4, 1], offset: 0 }), {
    name: 'RangeError', message: 'Expected strides and offset that stay inside the 6 values of nd.data but received shape [2, 3], stride [4, 1], offset 0, which reach indices 0..6',
  });
  t.throws(() => Tensor.fromNdarray({ data: new Float32Array(6), shape: [2, 3], stride: [3, 1], offset: 1 }), { message: /reach indices 1\.\.6/ });
  t.same(Array.from(Tensor.fromNdarray({ data: Float32Array.from([0, 1, 2, 3, 4, 5]), shape: [2, 2], stride: [3, 1], offset: 1 }).data), [1, 2, 4, 5]);
});

t.test('7: a model with non-finite weights refuses to predict', async (t) => {
  const broken = FTMTLNet.create({ imageSize: 32, seed: 4 }).eval();
  t.teardown(() => closePredictor(broken));
  broken.stem.conv.weight.data[3] = NaN;
  await t.rejects(predictImage(broken, filled(32 * 32, 0.4)), {
    name: 'RangeError', message: "the model's weights are corrupt: stem.conv.weight holds NaN at index 3; predict() needs finite weights",
  });
});

t.test('7: a DICOM buffer with non-finite rescale is refused by predict', async (t) => {
  const dcm = writeDicom({ width: 4, height: 4, values: new Array(16).fill(3), slope: 1e308 });
  await t.rejects(predictImage(model, dcm), { name: 'DataFormatError', message: /^<buffer>: Rescale Slope 1e\+308/ });
});

t.test('7: `ftmtlnet predict` with non-finite weights fails instead of printing NaN', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-nanw-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const broken = FTMTLNet.create({ imageSize: 32, seed: 4 });
  broken.cls.fc.weight.data[0] = Infinity;
  await saveModel(broken, path.join(dir, 'model'));
  const image = path.join(dir, 'img.pgm');
  fs.writeFileSync(image, encodePgm(16, 16, new Uint8Array(256).fill(100)));
  await t.rejects(runCli('predict', '--model', path.join(dir, 'model'), image), { message: "the model's weights are corrupt: cls.fc.weight holds Infinity at index 0; predict() needs finite weights" });
});
