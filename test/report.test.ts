import t, { type Test } from 'tap';
import sharp from 'sharp';
import { trainingCurvePng, rocCurvePng, frocCurvePng } from '../lib/report/plots';
import { renderOverlay, maskOutlinePath } from '../lib/report/overlay';
import { formatMetricsTable } from '../lib/report/summary-table';
import { rocCurve, frocCurve, type EvaluationMetrics } from '../lib/eval/metrics';
import type { Box } from '../lib/data/sample';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function pngSize(t: Test, png: Buffer, what: string): Promise<[number, number]> {
  t.ok(png.subarray(0, 8).equals(PNG_SIGNATURE), `${what} is a PNG`);
  const m = await sharp(png).metadata();
  t.equal(m.format, 'png');
  return [m.width!, m.height!];
}

// Fraction of pixels that are not grey (drawn curves or overlay colours).
async function colourFraction(png: Buffer): Promise<number> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let coloured = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    if (Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 60) coloured++;
  }
  return coloured / (info.width * info.height);
}

t.test('training curve, ROC and FROC plots are PNGs of the requested size', async (t) => {
  const history = Array.from({ length: 6 }, (_, i) => ({ epoch: i + 1, trainLoss: 2 / (i + 1), valLoss: 2.5 / (i + 1), metrics: { auc: 0.5 + i * 0.08, dice: 0.2 + i * 0.1 } }));
  t.same(await pngSize(t, await trainingCurvePng(history), 'training curve'), [560, 560]);
  t.same(await pngSize(t, await trainingCurvePng(history.map(({ epoch, trainLoss }) => ({ epoch, trainLoss })), { width: 400, height: 300 }), 'loss-only curve'), [400, 300]);
  const scores = [0.9, 0.8, 0.7, 0.6, 0.55, 0.4, 0.3, 0.2];
  const positive = [true, true, false, true, false, false, true, false];
  const roc = await rocCurvePng(rocCurve(scores, positive), { auc: 0.75 });
  t.same(await pngSize(t, roc, 'ROC'), [420, 420]);
  t.ok((await colourFraction(roc)) > 0.002, 'ROC curve is drawn');
  const images = [
    { truth: [[0, 0, 10, 10]] as Box[], detections: [{ box: [2, 2, 8, 8] as Box, score: 0.9 }, { box: [40, 40, 50, 50] as Box, score: 0.7 }] },
    { truth: [[20, 20, 30, 30]] as Box[], detections: [{ box: [60, 60, 70, 70] as Box, score: 0.8 }, { box: [21, 21, 29, 29] as Box, score: 0.5 }] },
  ];
  const f = frocCurve(images);
  const froc = await frocCurvePng(f.points, { lesions: f.lesions, width: 500, height: 400, scale: 2 });
  t.same(await pngSize(t, froc, 'FROC at scale 2'), [1000, 800]);
});

t.test('maskOutlinePath traces pixel edges', (t) => {
  // A 2x2 square in a 4x4 mask at (1,1): four edges of length 2 (scaled by 3).
  const mask = new Uint8Array(16);
  for (const i of [5, 6, 9, 10]) mask[i] = 1;
  t.equal(maskOutlinePath(mask, 4, 4, 3), 'M3 3H9M3 9H9M3 3V9M9 3V9');
  t.equal(maskOutlinePath(new Uint8Array(16), 4, 4, 1), '', 'empty mask, no path');
  t.end();
});

t.test('renderOverlay draws boxes, scores and mask outline at the chosen scale', async (t) => {
  const size = 64;
  const data = new Float32Array(size * size).fill(0.4);
  const mask = new Uint8Array(size * size);
  for (let y = 20; y < 40; y++) for (let x = 20; x < 40; x++) mask[y * size + x] = 1;
  const image = { width: size, height: size, data };
  const prediction = { label: 'malignant', classes: ['normal', 'benign', 'malignant'], probabilities: [0.1, 0.1, 0.8], detections: [{ box: [18, 18, 42, 42] as Box, score: 0.9 }, { box: [0, 0, 5, 5] as Box, score: 0.1 }], mask: { width: size, height: size, data: mask } };
  const png = await renderOverlay(image, prediction, { groundTruth: { boxes: [[20, 20, 40, 40]], mask, label: 'malignant' } });
  t.same(await pngSize(t, png, 'overlay'), [256, 256], 'default scale brings a 64 px image to 256 px');
  const { data: rgb, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const px = (x: number, y: number): number[] => Array.from(rgb.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
  const red = px(18 * 4, 30 * 4);     // left edge of the predicted box
  t.ok(red[0] > 200 && red[1] < 100 && red[2] < 100, `predicted box is red (${red})`);
  const yellow = px(20 * 4, 30 * 4 + 1);   // left edge of the mask outline
  t.ok(yellow[0] > 200 && yellow[1] > 180 && yellow[2] < 100, `mask outline is yellow (${yellow})`);
  const plain = px(2 * 4, 2 * 4);        // the low-score detection is not drawn
  t.ok(Math.abs(plain[0] - plain[2]) < 10 && Math.abs(plain[0] - 102) < 10, `low-score detection hidden, image grey there (${plain})`);
  t.same(await pngSize(t, await renderOverlay(image, { detections: [] }, { scale: 1 }), 'plain overlay'), [64, 64]);
  await t.rejects(renderOverlay(image, { detections: [], mask: { width: 2, height: 2, data: new Uint8Array(4) } }), new RangeError('Expected a 64x64 mask for prediction.mask but received 2x2'));
});

t.test('formatMetricsTable lists every metric, n/a for undefined values, side by side runs', (t) => {
  const m: EvaluationMetrics = {
    classification: { auc: 0.9512, accuracy: 0.8, sensitivity: 0.9, specificity: 0.85, macroAuc: NaN, aucBilateral: NaN, bilateralImages: 0 },
    detection: { froc: { '0.5': 0.7, '1': 0.85, '2': 0.9, '4': 0.95 }, ap50: 0.7 },
    segmentation: { dice: 0.78, iou: 0.66 },
    images: 42,
  };
  const one = formatMetricsTable(m).split('\n');
  t.equal(one.length, 15, 'header, rule, 12 metrics, images');
  t.match(one[2], /^AUC \(malignant vs rest\)\s+0\.951$/);
  t.match(one[3], /^macro AUC\s+n\/a$/);
  t.match(one[14], /^images\s+42$/);
  const two = formatMetricsTable({ full: m, none: { ...m, images: 7 } }).split('\n');
  t.match(two[0], /^metric\s+full\s+none$/);
  t.match(two[14], /^images\s+42\s+7$/);
  t.notOk(one.some((l) => /bilateral/.test(l)), 'no bilateral rows without partners');
  const paired = formatMetricsTable({ ...m, classification: { ...m.classification, aucBilateral: 0.66, bilateralImages: 40 } }).split('\n');
  t.equal(paired.length, 17, 'with partners: the bilateral AUC and its image count');
  t.match(paired[3], /^AUC bilateral \(minus the other breast\)\s+0\.660$/);
  t.match(paired[15], /^images with a partner \(bilateral\)\s+40$/);
  t.end();
});
