// Memory a training loop frees itself, without the garbage collector: zeroGrad() frees the
// gradients it drops, releaseGraph() the activations and what the ops saved for the backward,
// backward() its seed. Apart from test/memory-footprint.test.ts, whose collector-driven check
// must not see this file's model in its heap.
import t from 'tap';
import { Tensor } from '../lib/tensor';
import { nativeCore } from '../lib/native';
import * as ops from '../lib/ops/index';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { SGD } from '../lib/train/optimizers';
import { releaseGraph } from '../lib/autograd';
import { predictGray } from '../lib/model/predict-run';

// A training loop that never yields to the event loop runs no finalizers: whatever a step drops
// without dispose() stays in use. zeroGrad() frees the gradients it drops, and releaseGraph()
// the activations and what the ops saved for the backward (batch-norm statistics, the losses'
// gradients, dropout masks), so such a loop holds steady (before zeroGrad freed them, preset xs
// at 64 px kept 2 MB more every step: 1.2 GB after 600 steps; then 8 KB a step of statistics).
t.test('a synchronous training loop (zeroGrad, forward, losses, backward, step, releaseGraph) does not grow', (t) => {
  const model = FTMTLNet.create({ preset: 'xs', imageSize: 64, seed: 5 });
  model.train();
  const x = Tensor.from(new Float32Array(2 * 64 * 64).map((_, i) => (i % 97) / 97), [2, 1, 64, 64]);
  const optimizer = new SGD(model.parameters(), { lr: 1e-3, momentum: 0.9 });
  const target = Tensor.from(new Float32Array(2 * 64 * 64).map((_, i) => (i % 7 === 0 ? 1 : 0)), [2, 1, 64, 64]);
  const step = (): void => {
    optimizer.zeroGrad();
    const out = model.forward(x);
    let loss = ops.add(ops.sum(out.class_logits), ops.bceWithLogits(out.mask_logits, target));
    for (const name of ['heatmap', 'size', 'offset'] as const) loss = ops.add(loss, ops.mean(out[name]));
    loss.backward();
    optimizer.step();
    releaseGraph(loss);
  };
  for (let i = 0; i < 3; i++) step();
  const params = model.parameters().reduce((s, p) => s + p.numel * 4, 0);
  const before = nativeCore().poolStats().bytesInUse;
  for (let i = 0; i < 30; i++) step();
  const grown = nativeCore().poolStats().bytesInUse - before;
  t.equal(grown, 0, `in use grew by ${(grown / 1024).toFixed(0)} KiB over 30 steps (the gradients are ${(params / 1024).toFixed(0)} KiB a step)`);
  t.end();
});

t.test('zeroGrad frees the gradient it drops; a clone outlives it', (t) => {
  const w = Tensor.from(new Float32Array([1, 2, 3]), [3], { requiresGrad: true });
  ops.sum(ops.mul(w, w)).backward();
  const g = w.grad!;
  const kept = g.clone();
  w.zeroGrad();
  t.equal(w.grad, null, 'no gradient');
  t.ok(g.isDisposed, 'the dropped gradient is disposed');
  t.same(Array.from(kept.data), [2, 4, 6], 'the clone keeps the values');
  t.end();
});

// predictGray frees the heads (and, with test-time flips, the unflipped pass's) once the
// prediction holds its copies, and the classifier frees its pooled features: before that each
// prediction left about 136 KB in use until a collection (preset xs at 128 px: 111 MB after 800
// in a loop that never yields), 72 KB more with flips.
t.test('a synchronous loop of predictions does not grow, with and without test-time flips', (t) => {
  const model = FTMTLNet.create({ preset: 'xs', imageSize: 64, seed: 6 });
  const image = { width: 80, height: 72, data: new Float32Array(80 * 72).map((_, i) => (i % 89) / 89) };
  for (const tta of ['none', 'flips'] as const) {
    const first = predictGray(model, image, { tta });
    for (let i = 0; i < 2; i++) predictGray(model, image, { tta });
    const before = nativeCore().poolStats().bytesInUse;
    let last = first;
    for (let i = 0; i < 20; i++) last = predictGray(model, image, { tta });
    const grown = nativeCore().poolStats().bytesInUse - before;
    t.equal(grown, 0, `tta ${tta}: in use grew by ${grown} bytes over 20 predictions`);
    t.same(last.probabilities, first.probabilities, `tta ${tta}: the predictions are unchanged`);
    t.same(Array.from(last.mask.data), Array.from(first.mask.data), `tta ${tta}: the masks are unchanged`);
  }
  t.end();
});
