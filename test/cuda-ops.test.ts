// Every CUDA op against its CPU twin (the specification) on random shapes, forward and
// backward. Skips with the reason when no usable GPU is present.
import t from 'tap';
import { Tensor, ops } from '../lib/index';
import { setCudaMatmulPrecision } from '../lib/cuda/device';
import { getKernel } from '../lib/registry';
import { seededRandom, randInt, randArray } from './support/check';
import { cudaSkipReason } from './support/cuda';
import { compareDevices } from './support/cuda-compare';

const skip = cudaSkipReason();
const FP32 = 1e-5;      // elementwise / pooling / resize / norm in FP32
const REDUCE = 1e-4;    // long FP32 sums in another order
const TF32 = 1e-2;      // tensor-core convolutions (10-bit mantissa inputs)
const BF16 = 3e-2;      // 8-bit mantissa inputs, FP32 accumulation

t.test('elementwise and broadcast', { skip }, (t) => {
  const rng = seededRandom(1);
  for (let rep = 0; rep < 3; rep++) {
    const n = randInt(rng, 1, 3), c = randInt(rng, 1, 5), h = randInt(rng, 1, 9), w = randInt(rng, 1, 9);
    compareDevices(t, rng, { what: 'relu', shapes: [[n, c, h, w]], run: ([x]) => ops.relu(x), tol: FP32 });
    compareDevices(t, rng, { what: 'sigmoid', shapes: [[n, c, h, w]], run: ([x]) => ops.sigmoid(x), tol: FP32 });
    compareDevices(t, rng, { what: 'add broadcast', shapes: [[n, c, h, w], [1, c, 1, 1]], run: ([a, b]) => ops.add(a, b), tol: FP32 });
    compareDevices(t, rng, { what: 'sub broadcast', shapes: [[n, 1, h, w], [c, 1, 1]], run: ([a, b]) => ops.sub(a, b), tol: FP32 });
    compareDevices(t, rng, { what: 'mul broadcast', shapes: [[n, c, h, w], [n, 1, h, 1]], run: ([a, b]) => ops.mul(a, b), tol: FP32 });
    compareDevices(t, rng, { what: 'scale', shapes: [[n, c, h, w]], run: ([x]) => ops.scale(x, -1.5), tol: FP32 });
    compareDevices(t, rng, { what: 'sum all', shapes: [[n, c, h, w]], run: ([x]) => ops.sum(x), tol: REDUCE });
    compareDevices(t, rng, { what: 'mean dims', shapes: [[n, c, h, w]], run: ([x]) => ops.mean(x, { dim: [0, 2, 3], keepdim: true }), tol: REDUCE });
    compareDevices(t, rng, { what: 'sum dim 1', shapes: [[n, c, h, w]], run: ([x]) => ops.sum(x, { dim: 1 }), tol: REDUCE });
    compareDevices(t, rng, { what: 'reshape', shapes: [[n, c, h, w]], run: ([x]) => ops.reshape(ops.relu(x), [n, -1]), tol: FP32 });
    compareDevices(t, rng, {
      what: 'concat', shapes: [[n, 2, h, w], [n, c, h, w], [n, 1, h, w]], run: (xs) => ops.concat(xs, 1), tol: FP32,
    });
  }
  t.end();
});

t.test('dropout masks are the same on both devices for a seed', { skip }, (t) => {
  const k = (d: 'cpu' | 'cuda') => getKernel('dropoutMask', d);
  const a = k('cpu')([3, 5, 7], 0.3, 12345).toFloat32Array();
  const b = k('cuda')([3, 5, 7], 0.3, 12345).toFloat32Array();
  t.same([...b], [...a]);
  t.end();
});

t.test('pooling and upsampling', { skip }, (t) => {
  const rng = seededRandom(2);
  for (let rep = 0; rep < 3; rep++) {
    const n = randInt(rng, 1, 2), c = randInt(rng, 1, 4), h = randInt(rng, 4, 13), w = randInt(rng, 4, 13);
    const s = [[n, c, h, w]];
    compareDevices(t, rng, { what: 'maxPool2d 2x2', shapes: s, run: ([x]) => ops.maxPool2d(x, { kernelSize: 2 }), tol: FP32 });
    compareDevices(t, rng, { what: 'maxPool2d 3 s2 p1', shapes: s, run: ([x]) => ops.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), tol: FP32 });
    compareDevices(t, rng, { what: 'avgPool2d 3 s2 p1', shapes: s, run: ([x]) => ops.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), tol: FP32 });
    compareDevices(t, rng, { what: 'globalAvgPool2d', shapes: s, run: ([x]) => ops.globalAvgPool2d(x), tol: REDUCE });
    compareDevices(t, rng, { what: 'upsample nearest x2', shapes: s, run: ([x]) => ops.upsample2d(x, { scaleFactor: 2 }), tol: FP32 });
    compareDevices(t, rng, { what: 'upsample bilinear x2', shapes: s, run: ([x]) => ops.upsample2d(x, { scaleFactor: 2, mode: 'bilinear' }), tol: FP32 });
    compareDevices(t, rng, { what: 'upsample bilinear [3,2]', shapes: s, run: ([x]) => ops.upsample2d(x, { scaleFactor: [3, 2], mode: 'bilinear' }), tol: FP32 });
  }
  t.end();
});

t.test('batchNorm2d train and eval, running statistics', { skip }, (t) => {
  const rng = seededRandom(3);
  for (const training of [true, false]) {
    const n = randInt(rng, 1, 3), c = randInt(rng, 1, 6), h = randInt(rng, 2, 9), w = randInt(rng, 2, 9);
    const rm = randArray(rng, c, 0.5);
    const rv = Float32Array.from(randArray(rng, c), (v) => 1 + 0.5 * v);
    const stats: Tensor[][] = [];
    compareDevices(t, rng, {
      what: `batchNorm2d ${training ? 'train' : 'eval'}`,
      shapes: [[n, c, h, w], [c], [c], [c], [c]],
      inputs: [randArray(rng, n * c * h * w, 2), rm, rv, randArray(rng, c), randArray(rng, c)],
      noGrad: [1, 2],
      run: ([x, m, v, g, b]) => {
        stats.push([m, v]);
        return ops.batchNorm2d(x, m, v, g, b, { training, momentum: 0.1, eps: 1e-5 });
      },
      tol: REDUCE,
    });
    const [[cm, cv], [gm, gv]] = stats;
    t.ok(Math.max(...gm.toFloat32Array().map((v, i) => Math.abs(v - cm.data[i]))) < 1e-5, 'running mean updated alike');
    t.ok(Math.max(...gv.toFloat32Array().map((v, i) => Math.abs(v - cv.data[i]))) < 1e-4, 'running var updated alike');
  }
  t.end();
});

t.test('linear, conv2d and featureTransfer in every matmul precision', { skip }, (t) => {
  const rng = seededRandom(4);
  for (const [precision, tol] of [['fp32', REDUCE], ['tf32', TF32], ['bf16', BF16]] as const) {
    setCudaMatmulPrecision(precision);
    try {
      const n = randInt(rng, 1, 3), ci = randInt(rng, 1, 40), co = randInt(rng, 1, 70);
      compareDevices(t, rng, { what: `${precision} linear`, shapes: [[n, ci], [co, ci], [co]], run: ([x, w, b]) => ops.linear(x, w, b), tol });
      for (const [k, stride, padding] of [[3, 1, 1], [3, 2, 1], [1, 1, 0], [5, 2, 2], [2, 2, 0]]) {
        const h = randInt(rng, k, 17), w = randInt(rng, k, 17), c = randInt(rng, 1, 24), kk = randInt(rng, 1, 40);
        compareDevices(t, rng, {
          what: `${precision} conv2d ${k}x${k} s${stride} p${padding} [${n},${c},${h},${w}] -> ${kk}`,
          shapes: [[n, c, h, w], [kk, c, k, k], [kk]],
          run: ([x, wt, b]) => ops.conv2d(x, wt, b, { stride, padding }), tol,
        });
      }
      const h = randInt(rng, 3, 12), w = randInt(rng, 3, 12), cs = [randInt(rng, 1, 9), randInt(rng, 1, 9), randInt(rng, 1, 9)];
      const ctot = cs[0] + cs[1] + cs[2], kk = randInt(rng, 1, 20);
      compareDevices(t, rng, {
        what: `${precision} featureTransfer 3 sources`,
        shapes: [[n, cs[0], h, w], [n, cs[1], h, w], [n, cs[2], h, w], [kk, ctot, 3, 3], [kk]],
        run: ([a, b, c, wt, bias]) => ops.featureTransfer([a, b, c], wt, bias, { padding: 1 }), tol,
      });
      // A long reduction (split-K in the weight gradient) and channels past one 128 tile.
      compareDevices(t, rng, {
        what: `${precision} conv2d 3x3 [2,130,24,24] -> 140`,
        shapes: [[2, 130, 24, 24], [140, 130, 3, 3], [140]],
        run: ([x, wt, b]) => ops.conv2d(x, wt, b, { padding: 1 }), tol,
      });
    } finally {
      setCudaMatmulPrecision('tf32');
    }
  }
  t.end();
});

t.test('losses', { skip }, (t) => {
  const rng = seededRandom(5);
  const n = 3, k = 4, c = 2, h = 5, w = 6;
  const targets = Int32Array.from({ length: n }, () => randInt(rng, 0, k - 1));
  compareDevices(t, rng, { what: 'softmaxCrossEntropy', shapes: [[n, k]], run: ([x]) => ops.softmaxCrossEntropy(x, targets, { labelSmoothing: 0.1 }), tol: REDUCE });
  const bin = Float32Array.from({ length: n * c * h * w }, () => (rng() < 0.3 ? 1 : 0));
  compareDevices(t, rng, {
    what: 'bceWithLogits', shapes: [[n, c, h, w], [n, c, h, w]], inputs: [randArray(rng, bin.length, 3), bin], noGrad: [1],
    run: ([x, y]) => ops.bceWithLogits(x, y), tol: REDUCE,
  });
  compareDevices(t, rng, {
    what: 'diceLoss', shapes: [[n, 1, h, w], [n, 1, h, w]], inputs: [randArray(rng, n * h * w, 3), bin.subarray(0, n * h * w)], noGrad: [1],
    run: ([x, y]) => ops.diceLoss(x, y), tol: REDUCE,
  });
  const heat = Float32Array.from({ length: n * h * w }, (_, i) => (i % 11 === 0 ? 1 : rng() * 0.9));
  compareDevices(t, rng, {
    what: 'focalLoss', shapes: [[n, 1, h, w], [n, 1, h, w]], inputs: [randArray(rng, heat.length, 3), heat], noGrad: [1],
    run: ([x, y]) => ops.focalLoss(x, y), tol: REDUCE,
  });
  const mask = Float32Array.from({ length: n * h * w }, () => (rng() < 0.2 ? 1 : 0));
  compareDevices(t, rng, {
    what: 'l1Loss with mask', shapes: [[n, 2, h, w], [n, 2, h, w], [n, 1, h, w]], inputs: [randArray(rng, n * 2 * h * w), randArray(rng, n * 2 * h * w), mask],
    noGrad: [1, 2], run: ([p, y, m]) => ops.l1Loss(p, y, m), tol: REDUCE,
  });
  t.end();
});

t.test('mixed devices throw the one message shape', { skip }, (t) => {
  const a = Tensor.zeros([2, 3]);
  const b = Tensor.zeros([2, 3], { device: 'cuda' });
  t.throws(() => ops.add(a, b), new TypeError('Expected a tensor on cpu (the device of a) for b but received a tensor on cuda'));
  t.end();
});
