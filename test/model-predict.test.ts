import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Test } from 'tap';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { predictImage, closePredictor } from '../lib/model/predictor';
import { predictGray, type Prediction } from '../lib/model/predict-run';
import { resizeBilinear } from '../lib/model/predict-input';
import { diskSample } from './support/model-fixtures';
import { writeDicom } from './support/dicom-fixtures';

const model = FTMTLNet.create({ imageSize: 32, seed: 4 }).eval();
t.teardown(() => closePredictor(model));

function checkPrediction(t: Test, p: Prediction, width: number, height: number): void {
  t.same(p.classes, ['normal', 'benign', 'malignant']);
  t.equal(p.probabilities.length, 3);
  t.ok(Math.abs(p.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-6, 'probabilities sum to 1');
  t.equal(p.label, p.classes[p.probabilities.indexOf(Math.max(...p.probabilities))]);
  t.equal(p.mask.width, width);
  t.equal(p.mask.height, height);
  t.ok(p.mask.data instanceof Uint8Array && p.mask.data.length === width * height);
  for (const d of p.detections) {
    t.ok(d.box[0] >= 0 && d.box[2] <= width && d.box[1] >= 0 && d.box[3] <= height, 'box inside the input frame');
  }
}

t.test('predict on a Float32Array of another size, off the main thread', async (t) => {
  const img = diskSample('p', 48, [10, 10, 30, 26], 'benign').image;
  let ticked = false;
  setImmediate(() => (ticked = true));
  const p = await predictImage(model, img.data, { threshold: 0 });
  t.ok(ticked, 'the event loop ran while the worker predicted');
  checkPrediction(t, p, 48, 48);
  // The worker's answer equals the same prediction run in this thread.
  const local = predictGray(model, img, { threshold: 0 });
  t.same(p.probabilities.map((v) => +v.toFixed(5)), local.probabilities.map((v) => +v.toFixed(5)));
  t.same([...p.mask.data], [...local.mask.data]);
  t.equal(p.detections.length, local.detections.length);
});

t.test('predict on a PNG buffer and a PNG file: results in the input frame', async (t) => {
  const img = diskSample('q', 40, [5, 8, 25, 30], 'benign').image;
  const wide = resizeBilinear(img, 60, 40);
  const bytes = Uint8Array.from(wide.data, (v) => Math.round(v * 255));
  const png = await sharp(Buffer.from(bytes), { raw: { width: 60, height: 40, channels: 1 } }).png().toBuffer();
  const p = await predictImage(model, png);
  checkPrediction(t, p, 60, 40);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-pred-'));
  const file = path.join(dir, 'x.png');
  fs.writeFileSync(file, png);
  const q = await predictImage(model, file);
  t.same(q.probabilities, p.probabilities, 'same result from the path');
  // With the data preprocessing (crop, flip, letterbox) the result is still in the input frame.
  const r = await predictImage(model, png, { preprocess: { crop: true, flip: 'content' } });
  checkPrediction(t, r, 60, 40);
  fs.rmSync(dir, { recursive: true, force: true });
});

t.test('predict on a DICOM buffer and an ndarray', async (t) => {
  const img = diskSample('d', 36, [6, 6, 20, 20], 'benign').image;
  const dicom = writeDicom({ width: 36, height: 36, values: Uint16Array.from(img.data, (v) => Math.round(v * 4095)), bitsStored: 12 });
  const p = await predictImage(model, dicom);
  checkPrediction(t, p, 36, 36);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ndarray = require('ndarray');
  const q = await predictImage(model, ndarray(Float32Array.from(img.data), [36, 36]));
  checkPrediction(t, q, 36, 36);
  const local = predictGray(model, img);
  t.same(q.probabilities.map((v) => +v.toFixed(5)), local.probabilities.map((v) => +v.toFixed(5)), 'the ndarray reaches the worker intact');
});

t.test('changed weights reach the worker; bad input rejects with a clear error', async (t) => {
  const img = new Float32Array(32 * 32).fill(0.5);
  const before = await predictImage(model, img);
  model.cls.fc.bias!.data[0] += 5;
  const after = await predictImage(model, img);
  t.ok(after.probabilities[0] > before.probabilities[0], 'the new bias is used');
  model.cls.fc.bias!.data[0] -= 5;
  await t.rejects(predictImage(model, new Float32Array(10)), { message: 'Expected a square image (length = side * side); pass { width, height, data } for other shapes for image but received Float32Array(10)' });
  await t.rejects(predictImage(model, Buffer.from('not an image')), { message: /<buffer>/ });
  await t.rejects(predictImage(model, 42 as never), { message: 'Expected a Float32Array, an ndarray, { width, height, data }, a PNG/DICOM Buffer or a file path for image but received 42' });
});
