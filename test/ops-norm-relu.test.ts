// The fused BN-ReLU's backward (batchNorm2dReluBackward: the ReLU's sign recomputed from x in
// batch norm's two passes) gives bit for bit what reluBackward then batchNorm2dBackward give,
// at every SIMD level; and the tape uses it in training on the CPU, the two kernels otherwise.
import t, { type Test } from 'tap';
import { Tensor } from '../lib/tensor';
import { sum } from '../lib/ops/reduce';
import { batchNorm2dRelu } from '../lib/ops/norm';
import { setKernelWrap } from '../lib/registry';
import { runCasesAtLevel, type SimdRun } from './support/simd-levels';
import { randTensor, seededRandom } from './support/check';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { normReluCases } = require('./support/norm-relu-cases.js') as { normReluCases: () => SimdRun };

const here = normReluCases();

function checkRun(t: Pick<Test, 'same'>, run: SimdRun): void {
  for (const [name, [dx, dw, db, passed, numel]] of Object.entries(run.cases)) {
    t.same([dx, dw, db], [0, 0, 0], `${name}: dx, dweight, dbias bit-identical (${passed} of ${numel} values passed the ReLU)`);
  }
}

t.test(`fused backward equals reluBackward + batchNormBackward at ${here.simd}`, (t) => {
  for (const [name, [, , , passed, numel]] of Object.entries(here.cases)) {
    if (numel > 3) t.ok(passed > 0 && passed < numel, `${name}: the ReLU passes some values and stops others`);
  }
  checkRun(t, here);
  t.end();
});

for (const level of ['scalar', 'avx2']) {
  t.test(`FTMTLNET_SIMD=${level}: fused backward equals the two kernels`, (t) => {
    const child = runCasesAtLevel(t, 'norm-relu-cases.js', level, here, 60_000);
    if (child) checkRun(t, child);
    t.end();
  });
}

// The kernels the backward of batchNorm2dRelu calls, in training and in eval mode.
function backwardKernels(training: boolean): string[] {
  const rand = seededRandom(3);
  const x = randTensor(rand, [2, 3, 4, 5], { requiresGrad: true });
  const w = randTensor(rand, [3], { requiresGrad: true });
  const b = randTensor(rand, [3], { requiresGrad: true });
  const rm = Tensor.zeros([3]);
  const rv = Tensor.ones([3]);
  const y = batchNorm2dRelu(x, rm, rv, w, b, { training });
  const called: string[] = [];
  setKernelWrap((op, _backend, fn) => ((...args: unknown[]) => {
    called.push(op);
    return (fn as (...a: unknown[]) => unknown)(...args);
  }) as typeof fn);
  try {
    sum(y).backward();
  } finally {
    setKernelWrap(null);
  }
  t.ok(x.grad && w.grad && b.grad, 'gradients reach x, weight and bias');
  return called;
}

t.test('the tape takes the fused kernel in training, reluBackward + batchNorm2dBackward in eval', (t) => {
  const train = backwardKernels(true);
  t.ok(train.includes('batchNorm2dReluBackward'), `training: ${train.join(', ')}`);
  t.notOk(train.includes('reluBackward'), 'training: no separate ReLU pass');
  const evalMode = backwardKernels(false);
  t.ok(evalMode.includes('reluBackward') && evalMode.includes('batchNorm2dBackward'), `eval: ${evalMode.join(', ')}`);
  t.end();
});
