// Inference-only shortcuts: conv-BN-ReLU folded into one conv with a ReLU epilogue, temporaries
// freed as soon as they are consumed, and Tensor.dispose() underneath both.
import t from 'tap';
import { Tensor } from '../lib/tensor';
import * as ops from '../lib/ops/index';
import { noGrad, releaseGraph } from '../lib/autograd';
import { withTracer } from '../lib/trace';
import { memoryStats } from '../lib/capabilities';
import { ConvBnRelu, FeatureTransfer } from '../lib/nn/blocks';
import { seededRng } from '../lib/nn/init';
import { getKernel } from '../lib/registry';

const convReluForwardCpu = getKernel('convScaleReluForward', 'cpu');
import { batchNorm2dRelu } from '../lib/ops/norm';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { assertClose, randArray, randTensor, seededRandom } from './support/check';

// Running statistics and affine parameters far from the identity, so a wrong fold shows.
function randomiseBn(bn: { runningMean: Tensor; runningVar: Tensor; weight: Tensor; bias: Tensor }, seed: number): void {
  const rng = seededRandom(seed);
  const k = bn.runningMean.numel;
  bn.runningMean.data.set(randArray(rng, k));
  bn.runningVar.data.set(randArray(rng, k).map((v) => 0.2 + Math.abs(v)));
  bn.weight.data.set(randArray(rng, k));
  bn.bias.data.set(randArray(rng, k));
}

t.test('the native ReLU epilogue equals relu(conv) for conv2d and featureTransfer', (t) => {
  const rng = seededRandom(11);
  for (const [sources, stride] of [[[5], 1], [[5], 2], [[3, 4, 2], 1], [[9, 4], 1]] as [number[], number][]) {
    const xs = sources.map((c) => randTensor(rng, [2, c, 13, 12]));
    const c = sources.reduce((a, b) => a + b, 0);
    const w = randTensor(rng, [7, c, 3, 3], { scale: 0.3 });
    const b = randTensor(rng, [7]);
    const g = { stride: [stride, stride] as [number, number], padding: [1, 1] as [number, number] };
    const fused = convReluForwardCpu(xs, w, b.data, g, null);
    const plain = ops.relu(xs.length === 1 ? ops.conv2d(xs[0], w, b, g) : ops.featureTransfer(xs, w, b, g));
    t.same(fused.shape, plain.shape, `sources ${sources} stride ${stride}: shape`);
    assertClose(t, fused.data, plain.data, { atol: 1e-6, rtol: 1e-6 }, `sources ${sources} stride ${stride}`);
    // Per-output-channel weight scale applied while packing == conv with pre-scaled weights.
    const scale = randArray(rng, 7);
    const scaledW = ops.mul(w, Tensor.from(scale, [7, 1, 1, 1]));
    const fusedScaled = convReluForwardCpu(xs, w, b.data, g, scale);
    const plainScaled = ops.relu(xs.length === 1 ? ops.conv2d(xs[0], scaledW, b, g) : ops.featureTransfer(xs, scaledW, b, g));
    assertClose(t, fusedScaled.data, plainScaled.data, { atol: 1e-5, rtol: 1e-5 }, `sources ${sources} stride ${stride} scaled`);
  }
  t.end();
});

t.test('eval-mode blocks without a tape fold BN into the conv and match the op-by-op result', (t) => {
  const rng = seededRandom(12);
  const block = new ConvBnRelu(6, 9, { rng: seededRng(1), stride: 2 });
  randomiseBn(block.bn, 13);
  block.eval();
  const x = randTensor(rng, [2, 6, 11, 10]);
  const fused = noGrad(() => block.forward(x));
  const plain = noGrad(() => ops.relu(block.bn.forward(block.conv.forward(x))));
  assertClose(t, fused.data, plain.data, { atol: 1e-5, rtol: 1e-5 }, 'ConvBnRelu');

  const ft = new FeatureTransfer([4, 3], 8, { rng: seededRng(2) });
  randomiseBn(ft.bn, 14);
  ft.eval();
  const xs = [randTensor(rng, [1, 4, 9, 9]), randTensor(rng, [1, 3, 9, 9])];
  const fusedFt = noGrad(() => ft.forward(xs));
  const plainFt = noGrad(() => ops.relu(ft.bn.forward(ops.featureTransfer(xs, ft.weight, null, { padding: 1 }))));
  assertClose(t, fusedFt.data, plainFt.data, { atol: 1e-5, rtol: 1e-5 }, 'FeatureTransfer');
  t.end();
});

t.test('the fold stands aside for training mode, the tape and tracers', (t) => {
  const block = new ConvBnRelu(3, 4, { rng: seededRng(3) });
  randomiseBn(block.bn, 15);
  const x = randTensor(seededRandom(16), [1, 3, 6, 6]);
  block.eval();
  const traced: string[] = [];
  noGrad(() => withTracer((op) => traced.push(op.op), () => block.forward(x)));
  t.same(traced, ['conv2d', 'batchNorm2d', 'relu'], 'a tracer sees the three ops');
  const y = block.forward(x);
  t.ok(y.gradFn, 'with the tape on, the output is on the tape');
  y.backward(Tensor.ones([...y.shape]));
  t.ok(block.conv.weight.grad, 'and gradients reach the weights');
  t.end();
});

t.test('dispose hands the buffer back at once and later reads fail clearly', (t) => {
  const before = memoryStats().bytesInUse;
  const a = Tensor.zeros([256, 256]);
  t.ok(memoryStats().bytesInUse >= before + 256 * 256 * 4, 'allocated');
  a.dispose();
  t.equal(memoryStats().bytesInUse, before, 'returned to the pool');
  t.ok(a.isDisposed);
  t.throws(() => a.data, new Error('Expected a live tensor for data but received a disposed tensor of shape [256, 256]'));
  t.doesNotThrow(() => a.dispose(), 'disposing twice is harmless');
  t.throws(() => ops.relu(a), /disposed tensor/, 'ops reject it');
  t.end();
});

t.test('a noGrad forward frees its temporaries; a traced one keeps them', (t) => {
  const model = FTMTLNet.create({ imageSize: 64, seed: 4 }).eval();
  const x = randTensor(seededRandom(17), [2, 1, 64, 64]);
  const outputBytes = (o: Record<string, Tensor>) => Object.values(o).reduce((s, v) => s + v.numel * 4, 0);
  const m0 = memoryStats().bytesInUse;
  const out = noGrad(() => model.forward(x));
  const grown = memoryStats().bytesInUse - m0;
  const m1 = memoryStats().bytesInUse;
  const traced = noGrad(() => withTracer(() => undefined, () => model.forward(x)));
  const grownTraced = memoryStats().bytesInUse - m1;
  t.ok(grown < grownTraced / 3, `noGrad forward keeps ${grown} bytes, traced ${grownTraced}`);
  t.ok(grown >= outputBytes(out as unknown as Record<string, Tensor>), 'the outputs are still there');
  for (const [k, v] of Object.entries(out)) {
    t.ok(!v.isDisposed, `${k} is live`);
    assertClose(t, v.data, (traced as unknown as Record<string, Tensor>)[k].data, { atol: 1e-4, rtol: 1e-4 }, `${k} equals the unfused forward`);
  }
  t.ok(!x.isDisposed, 'the input is live');
  t.end();
});

t.test('dispose frees a shared buffer only when its last view is disposed', (t) => {
  const before = memoryStats().bytesInUse;
  const a = Tensor.from(new Float32Array(64 * 64).fill(2), [64, 64]);
  const v = ops.reshape(a, [4096]);
  a.dispose();
  t.equal(v.data[4095], 2, 'the view still reads the values');
  t.ok(memoryStats().bytesInUse > before, 'the block is still in use');
  v.dispose();
  t.equal(memoryStats().bytesInUse, before, 'freed with the last view');
  t.end();
});

t.test('backward frees intermediate gradients and releaseGraph frees the activations', (t) => {
  const rng = seededRandom(21);
  const x = randTensor(rng, [2, 3, 16, 16], { requiresGrad: true });
  const w = randTensor(rng, [4, 3, 3, 3], { requiresGrad: true, scale: 0.3 });
  // x is used twice (add(h, h) hands one gradient to both inputs) and through a reshape view.
  const run = () => {
    const h = ops.relu(ops.conv2d(x, w, null, { padding: 1 }));
    const s = ops.add(h, h);
    return ops.sum(ops.mul(ops.reshape(s, [2, 4 * 16 * 16]), 0.5));
  };
  const ref = run();
  ref.backward();
  const gx = Float32Array.from(x.grad!.data);
  const gw = Float32Array.from(w.grad!.data);
  x.zeroGrad();
  w.zeroGrad();
  releaseGraph(ref);
  const base = memoryStats().bytesInUse;
  const y = run();
  y.backward();
  assertClose(t, x.grad!.data, gx, { atol: 0, rtol: 0 }, 'same x gradient after a release');
  assertClose(t, w.grad!.data, gw, { atol: 0, rtol: 0 }, 'same w gradient after a release');
  const grads = (x.numel + w.numel) * 4;
  releaseGraph(y);
  t.ok(memoryStats().bytesInUse - base <= grads + 64 * 1024, `only the leaves' gradients remain (${memoryStats().bytesInUse - base} bytes)`);
  t.ok(y.isDisposed && !x.isDisposed && !w.isDisposed, 'the graph is freed, the leaves are not');
  t.end();
});

t.test('the fused training BN-ReLU equals batchNorm2d then relu: values, gradients, running statistics', (t) => {
  const rng = seededRandom(31);
  const x0 = randArray(rng, 2 * 5 * 7 * 6);
  const mk = () => Tensor.from(x0, [2, 5, 7, 6], { requiresGrad: true });
  const params = () => ({
    rm: Tensor.from(randArray(seededRandom(32), 5), [5]),
    rv: Tensor.from(randArray(seededRandom(33), 5).map((v) => 0.5 + Math.abs(v)), [5]),
    w: Tensor.from(randArray(seededRandom(34), 5), [5], { requiresGrad: true }),
    b: Tensor.from(randArray(seededRandom(35), 5), [5], { requiresGrad: true }),
  });
  const dy = randArray(rng, 2 * 5 * 7 * 6);
  for (const training of [true, false]) {
    const [xa, xb] = [mk(), mk()];
    const [pa, pb] = [params(), params()];
    const opts = { training, momentum: 0.2, eps: 1e-4 };
    const fused = batchNorm2dRelu(xa, pa.rm, pa.rv, pa.w, pa.b, opts);
    const plain = ops.relu(ops.batchNorm2d(xb, pb.rm, pb.rv, pb.w, pb.b, opts));
    assertClose(t, fused.data, plain.data, { atol: 0, rtol: 0 }, `training ${training}: output`);
    fused.backward(Tensor.from(dy, [2, 5, 7, 6]));
    plain.backward(Tensor.from(dy, [2, 5, 7, 6]));
    assertClose(t, xa.grad!.data, xb.grad!.data, { atol: 0, rtol: 0 }, `training ${training}: dx`);
    assertClose(t, pa.w.grad!.data, pb.w.grad!.data, { atol: 0, rtol: 0 }, `training ${training}: dweight`);
    assertClose(t, pa.b.grad!.data, pb.b.grad!.data, { atol: 0, rtol: 0 }, `training ${training}: dbias`);
    assertClose(t, pa.rm.data, pb.rm.data, { atol: 0, rtol: 0 }, `training ${training}: running mean`);
    assertClose(t, pa.rv.data, pb.rv.data, { atol: 0, rtol: 0 }, `training ${training}: running var`);
  }
  t.end();
});

t.test('training blocks run the fused BN-ReLU; a tracer still sees batchNorm2d and relu', (t) => {
  const block = new ConvBnRelu(3, 4, { rng: seededRng(5) });
  const x = randTensor(seededRandom(36), [2, 3, 6, 6]);
  const seen: string[] = [];
  withTracer((op) => seen.push(op.op), () => block.forward(x));
  t.same(seen, ['conv2d', 'batchNorm2d', 'relu'], 'traced');
  t.end();
});
