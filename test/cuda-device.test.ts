import t from 'tap';
import { Tensor } from '../lib/tensor';
import { capabilities } from '../lib/capabilities';
import { cudaAddon } from '../lib/native';
import { cudaMemoryStats } from '../lib/cuda/device';
import { cudaSkipReason } from './support/cuda';
import { ops } from '../lib/index';
import { listKernels } from '../lib/registry';
import { optimKernels } from '../lib/ops/optim';
import '../lib/cuda/kernels/index';

const cuda = capabilities().cuda;

t.test('capabilities().cuda reports the build and the reason it is unavailable', (t) => {
  t.equal(typeof cuda.built, 'boolean');
  t.equal(typeof cuda.available, 'boolean');
  t.equal(typeof cuda.devices, 'number');
  if (!cuda.available) {
    t.equal(cuda.devices, 0);
    t.type(cuda.reason, 'string');
    t.ok(cuda.reason!.length > 0, `reason: ${cuda.reason}`);
  } else {
    t.ok(cuda.devices >= 1);
    t.type(cuda.name, 'string');
    t.match(cuda.computeCapability, /^\d+\.\d+$/);
  }
  t.end();
});

t.test('CI with nvcc on PATH builds the CUDA backend', { skip: process.env.FTMTLNET_REQUIRE_CUDA === '1' ? false : 'FTMTLNET_REQUIRE_CUDA is not set' }, (t) => {
  t.equal(cuda.built, true, `capabilities().cuda.built (reason: ${cuda.reason ?? 'none'})`);
  t.end();
});

t.test("without a GPU, device: 'cuda' throws the reason", { skip: cuda.available ? 'a GPU is present' : false }, (t) => {
  const msg = `device 'cuda' is not available: ${cuda.reason}`;
  t.throws(() => Tensor.from(new Float32Array(4), [4], { device: 'cuda' }), new Error(msg));
  t.throws(() => Tensor.zeros([2, 2], { device: 'cuda' }), new Error(msg));
  t.throws(() => Tensor.ones([2], { device: 'cuda' }), new Error(msg));
  t.throws(() => Tensor.from(new Float32Array(4), [4]).to('cuda'), new Error(msg));
  t.throws(() => Tensor.from(new Float32Array(4), [4], { device: 'gpu' as 'cuda' }), new TypeError('Expected "cpu" or "cuda" for device but received "gpu"'));
  const stats = cudaMemoryStats();
  t.equal(stats.hostToDeviceCopies, 0);
  t.end();
});

t.test('a CUDA build without a GPU: native entries throw, never crash', { skip: !cuda.built ? 'built without CUDA' : cuda.available ? 'a GPU is present' : false }, (t) => {
  const n = cudaAddon();
  t.throws(() => n.cudaAlloc(4, true), new Error(`cudaAlloc: CUDA is not available: ${cuda.reason}`));
  t.throws(() => n.cudaSynchronize(), new Error(`cudaSynchronize: CUDA is not available: ${cuda.reason}`));
  t.throws(() => n.cudaDownload(new Float32Array(1), {} as never), new TypeError('Expected a CUDA device buffer for src but received an object'));
  t.end();
});

t.test('cuda tensors: round trip, counted copies, to() both ways', { skip: cudaSkipReason() }, (t) => {
  const before = cudaMemoryStats();
  const src = new Float32Array([1, -2, 3.5, 4, 5, 6]);
  const x = Tensor.from(src, [2, 3], { device: 'cuda' });
  t.equal(x.device, 'cuda');
  t.same([...x.toFloat32Array()], [...src]);
  t.throws(() => x.data, /on cuda \(use toFloat32Array\(\) or to\('cpu'\)/);
  const back = x.to('cpu');
  t.equal(back.device, 'cpu');
  t.same([...back.data], [...src]);
  const again = back.to('cuda');
  t.same([...again.clone().toFloat32Array()], [...src]);
  t.same([...Tensor.full([3], 2.5, { device: 'cuda' }).toFloat32Array()], [2.5, 2.5, 2.5]);
  t.same([...Tensor.zeros([3], { device: 'cuda' }).toFloat32Array()], [0, 0, 0]);
  t.equal(Tensor.scalar(7, { device: 'cuda' }).item(), 7);
  const after = cudaMemoryStats();
  t.equal(after.hostToDeviceCopies - before.hostToDeviceCopies, 2, 'two uploads (from, to)');
  t.equal(after.deviceToHostCopies - before.deviceToHostCopies, 7, 'seven downloads');
  t.equal(after.hostToDeviceBytes - before.hostToDeviceBytes, 2 * 6 * 4);
  t.end();
});

// Fused kernels the CPU backend has and CUDA does not (the ops fall back to the unfused
// kernels there): every other CPU kernel needs a CUDA twin under the same name.
const CPU_ONLY = ['batchNorm2dReluForward', 'batchNorm2dReluBackward', 'convScaleReluForward'];

t.test('every CPU kernel has a CUDA twin registered under the same name, except the listed CPU-only ones', (t) => {
  t.ok(ops.relu, 'all ops loaded');
  t.ok(optimKernels(Tensor.zeros([1])), 'optimizer kernels loaded');
  const all = listKernels();
  const cpu = all.filter((k) => k.endsWith('@cpu')).map((k) => k.slice(0, -4));
  const cudaSet = new Set(all.filter((k) => k.endsWith('@cuda')).map((k) => k.slice(0, -5)));
  const missing = cpu.filter((k) => !cudaSet.has(k) && !CPU_ONLY.includes(k));
  t.same(missing, [], `CPU kernels without a CUDA twin: ${missing.join(', ') || 'none'}`);
  for (const k of CPU_ONLY) {
    t.ok(cpu.includes(k), `CPU-only ${k} is in the registry`);
    t.notOk(cudaSet.has(k), `CPU-only ${k} has no CUDA twin (else take it off the list)`);
  }
  t.ok(cudaSet.has('gradAccumulate'), 'the tape can accumulate cuda gradients');
  t.end();
});
