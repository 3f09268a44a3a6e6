// The gradient registry (lib/gradients.ts): every differentiable op records its name on the
// tape and has a gradient registered under it; a duplicate registration throws; backward
// through an op without a gradient fails naming the op.
import t from 'tap';
import { Tensor } from '../lib/tensor';
import * as ops from '../lib/ops/index';
import { batchNorm2dRelu } from '../lib/ops/norm';
import { weightedSum, uncertaintyWeightedSum } from '../lib/model/loss-weighting';
import { record } from '../lib/autograd';
import { getGradient, hasGradient, listGradients, registerGradient, type GradientName } from '../lib/gradients';
import { seededRandom, randTensor } from './support/check';

// The tape names of every op with a backward (the number forms of add/sub/mul are recorded
// apart from the tensor forms: they save a factor, not the operands).
const DIFFERENTIABLE = [
  'add', 'addScalar', 'avgPool2d', 'batchNorm2d', 'batchNorm2dRelu', 'bceWithLogits', 'concat', 'conv2d', 'diceLoss',
  'dropout', 'featureTransfer', 'focalLoss', 'globalAvgPool2d', 'l1Loss', 'linear', 'maxPool2d', 'mean', 'mul',
  'mulScalar', 'relu', 'reshape', 'scale', 'sigmoid', 'softmaxCrossEntropy', 'sub', 'subScalar', 'sum', 'to',
  'uncertaintyWeightedSum', 'upsample2d', 'weightedSum',
];

const rng = seededRandom(14);
const x4 = () => randTensor(rng, [2, 3, 4, 4], { requiresGrad: true });
const x2 = () => randTensor(rng, [2, 3], { requiresGrad: true });
const one = () => randTensor(rng, [1], { requiresGrad: true });

// One call per tape name (all but Tensor.to, which needs a second device).
const CALLS: Record<string, () => Tensor> = {
  add: () => ops.add(x2(), x2()),
  addScalar: () => ops.add(x2(), 2),
  sub: () => ops.sub(x2(), x2()),
  subScalar: () => ops.sub(x2(), 2),
  mul: () => ops.mul(x2(), x2()),
  mulScalar: () => ops.mul(x2(), 2),
  scale: () => ops.scale(x2(), 3),
  relu: () => ops.relu(x2()),
  sigmoid: () => ops.sigmoid(x2()),
  sum: () => ops.sum(x2()),
  mean: () => ops.mean(x2(), { dim: 1 }),
  reshape: () => ops.reshape(x2(), [3, 2]),
  concat: () => ops.concat([x2(), x2()], 1),
  maxPool2d: () => ops.maxPool2d(x4(), { kernelSize: 2 }),
  avgPool2d: () => ops.avgPool2d(x4(), { kernelSize: 2 }),
  globalAvgPool2d: () => ops.globalAvgPool2d(x4()),
  upsample2d: () => ops.upsample2d(x4(), { scaleFactor: 2, mode: 'bilinear' }),
  dropout: () => ops.dropout(x2(), { p: 0.5, seed: 1 }),
  batchNorm2d: () => ops.batchNorm2d(x4(), null, null, one3(), one3(), { training: true }),
  batchNorm2dRelu: () => batchNorm2dRelu(x4(), null, null, one3(), one3(), { training: true }),
  softmaxCrossEntropy: () => ops.softmaxCrossEntropy(x2(), [0, 2]),
  bceWithLogits: () => ops.bceWithLogits(x2(), Tensor.zeros([2, 3])),
  diceLoss: () => ops.diceLoss(x4(), Tensor.zeros([2, 3, 4, 4])),
  focalLoss: () => ops.focalLoss(x4(), Tensor.zeros([2, 3, 4, 4])),
  l1Loss: () => ops.l1Loss(x4(), Tensor.zeros([2, 3, 4, 4])),
  conv2d: () => ops.conv2d(x4(), randTensor(rng, [2, 3, 3, 3], { requiresGrad: true }), null, { padding: 1 }),
  featureTransfer: () => ops.featureTransfer([x4(), x4()], randTensor(rng, [2, 6, 3, 3], { requiresGrad: true }), null, { padding: 1 }),
  linear: () => ops.linear(x2(), randTensor(rng, [4, 3], { requiresGrad: true })),
  weightedSum: () => weightedSum([one(), one()], [1, 2]),
  uncertaintyWeightedSum: () => uncertaintyWeightedSum([one(), one()], [1, 2], randTensor(rng, [2], { requiresGrad: true })),
};

function one3(): Tensor {
  return randTensor(rng, [3], { requiresGrad: true });
}

t.test('every differentiable op has a gradient registered under its name, and nothing else does', (t) => {
  t.same(listGradients(), [...DIFFERENTIABLE].sort());
  t.end();
});

t.test('each op records its own name on the tape, and backward through it fills every input gradient', (t) => {
  t.same(Object.keys(CALLS).sort(), DIFFERENTIABLE.filter((n) => n !== 'to').sort(), 'one call per op but Tensor.to');
  for (const [name, call] of Object.entries(CALLS)) {
    const y = call();
    t.equal(y.gradFn?.name, name, `${name} records its name`);
    t.ok(hasGradient(name), `${name} has a gradient`);
    const inputs = y.gradFn!.inputs.filter((i): i is Tensor => i !== null);
    y.backward(Tensor.ones(y.shape));
    for (const [k, input] of inputs.entries()) {
      if (input.gradFn === null) t.same(input.grad?.shape, input.shape, `${name}: input ${k} got a gradient of its shape`);
    }
  }
  t.end();
});

t.test('registering a second gradient for an op throws', (t) => {
  t.throws(() => registerGradient('relu', (dy: Tensor) => [dy]), { message: 'a gradient for relu is already registered' });
  t.end();
});

t.test('backward through an op without a gradient fails naming the op', (t) => {
  const x = Tensor.ones([2], { requiresGrad: true });
  const y = record(x.clone(), 'frobnicate' as GradientName, [x], undefined as never);
  t.equal(y.gradFn?.name, 'frobnicate', 'recorded on the tape');
  const message = "no gradient is registered for op frobnicate (register one with registerGradient('frobnicate', ...) beside the op)";
  t.throws(() => y.backward(Tensor.ones([2])), { message });
  t.throws(() => getGradient('frobnicate'), { message });
  t.end();
});
