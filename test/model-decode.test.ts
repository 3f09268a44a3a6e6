import t from 'tap';
import { Tensor } from '../lib/tensor';
import { decodeDetections, decodeMask, decodeOutputs, softmaxRows } from '../lib/model/decode';

const logit = (p: number) => Math.log(p / (1 - p));

t.test('heatmap peaks: 3x3 NMS, threshold, top-k, boxes in input pixels', (t) => {
  // One image, 4 x 4 head cells at stride 8 (a 32 x 32 input).
  const hm = new Float32Array(16).fill(logit(0.01));
  hm[1 * 4 + 1] = logit(0.9);   // peak A at (1, 1)
  hm[1 * 4 + 2] = logit(0.8);   // beside A: suppressed by the 3x3 max pool
  hm[3 * 4 + 3] = logit(0.6);   // peak B at (3, 3)
  hm[3 * 4 + 0] = logit(0.2);   // a peak under the threshold
  const size = new Float32Array(32), offset = new Float32Array(32);
  size[5] = 2; size[16 + 5] = 1;             // A: 2 x 1 cells
  offset[5] = 0.5; offset[16 + 5] = 0.25;    // A: centre (1.5, 1.25) cells = (12, 10) px
  size[15] = 1; size[16 + 15] = 1;           // B: 1 x 1 cell, centre (3, 3) cells = (24, 24) px
  const d = decodeDetections(Tensor.from(hm, [1, 1, 4, 4]), Tensor.from(size, [1, 2, 4, 4]), Tensor.from(offset, [1, 2, 4, 4]), 0, { stride: 8, threshold: 0.3 });
  t.equal(d.length, 2);
  t.same(d[0].box, [4, 6, 20, 14]);
  t.ok(Math.abs(d[0].score - 0.9) < 1e-6);
  t.same(d[1].box, [20, 20, 28, 28]);
  t.ok(Math.abs(d[1].score - 0.6) < 1e-6);
  const top1 = decodeDetections(Tensor.from(hm, [1, 1, 4, 4]), Tensor.from(size, [1, 2, 4, 4]), Tensor.from(offset, [1, 2, 4, 4]), 0, { stride: 8, topK: 1 });
  t.equal(top1.length, 1, 'top-k');
  const low = decodeDetections(Tensor.from(hm, [1, 1, 4, 4]), Tensor.from(size, [1, 2, 4, 4]), Tensor.from(offset, [1, 2, 4, 4]), 0, { stride: 8, threshold: 0.1 });
  t.equal(low.length, 3, 'a lower threshold keeps the weak peak, never the suppressed neighbour');
  t.end();
});

t.test('boxes are clipped to the image', (t) => {
  const hm = Tensor.from(Float32Array.of(5, -5, -5, -5), [1, 1, 2, 2]);
  const size = Tensor.from(Float32Array.of(4, 0, 0, 0, 4, 0, 0, 0), [1, 2, 2, 2]);
  const d = decodeDetections(hm, size, Tensor.zeros([1, 2, 2, 2]), 0, { stride: 8 });
  t.same(d[0].box, [0, 0, 16, 16]);
  t.end();
});

t.test('mask threshold and softmax', (t) => {
  const m = decodeMask(Tensor.from(Float32Array.of(-1, 0.5, 0, 3, 9, 9, 9, 9), [2, 1, 2, 2]), 0);
  t.same({ ...m, data: [...m.data] }, { width: 2, height: 2, data: [0, 1, 0, 1] });
  const p = softmaxRows(Tensor.from(Float32Array.of(0, 0, Math.log(2), 1000, 0, 0), [2, 3]));
  t.same(p[0].map((v) => +v.toFixed(6)), [0.25, 0.25, 0.5]);
  t.same(p[1], [1, 0, 0], 'no overflow');
  const all = decodeOutputs({
    class_logits: Tensor.from(Float32Array.of(0, 2), [1, 2]),
    heatmap: Tensor.full([1, 1, 2, 2], -9),
    size: Tensor.zeros([1, 2, 2, 2]),
    offset: Tensor.zeros([1, 2, 2, 2]),
    mask_logits: Tensor.full([1, 1, 16, 16], -1),
  }, { stride: 8 });
  t.equal(all.length, 1);
  t.equal(all[0].classIndex, 1);
  t.same(all[0].detections, []);
  t.equal(all[0].mask.data.length, 256);
  t.end();
});
