// A full FTMTLNet training step (forward, multi-task loss, backward, AdamW) on the CPU and on
// CUDA from the same seeded weights and batch: losses and updated parameters must agree.
// Skips with the reason when no usable GPU is present.
import t from 'tap';
import { setCudaMatmulPrecision } from '../lib/cuda/device';
import { trainingStepCase } from '../bench/cuda-train-step';
import { cudaSkipReason } from './support/cuda';

const skip = cudaSkipReason();

function relativeDifference(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);  // NaN stays NaN and fails below
}

t.test('one FTMTLNet training step: cuda matches cpu', { skip }, async (t) => {
  setCudaMatmulPrecision('fp32');
  try {
    const options = { batch: 2, imageSize: 64, preset: 'xs' as const, seed: 3 };
    const cpu = await trainingStepCase({ ...options, device: 'cpu' });
    const gpu = await trainingStepCase({ ...options, device: 'cuda' });
    t.ok(gpu.model.parameters().every((p) => p.device === 'cuda'), 'the model lives on cuda');
    const lc = cpu.run();
    const lg = gpu.run();
    for (const k of ['total', 'cls', 'focal', 'size', 'offset', 'bce', 'dice'] as const) {
      const a = lg[k], b = lc[k];
      t.ok(Math.abs(a - b) <= 1e-3 * (1 + Math.abs(b)), `loss ${k}: cuda ${a} vs cpu ${b}`);
    }
    const cpuParams = cpu.model.namedParameters();
    const gpuParams = new Map(gpu.model.namedParameters());
    let worst = 0;
    let worstName = '';
    for (const [name, p] of cpuParams) {
      const d = relativeDifference(gpuParams.get(name)!.toFloat32Array(), p.toFloat32Array());
      if (!(d <= worst)) {
        worst = d;
        worstName = name;
      }
    }
    t.ok(worst <= 1e-3, `parameters after one AdamW step agree (worst ${worstName}: relative difference ${worst})`);
  } finally {
    setCudaMatmulPrecision('tf32');
  }
});
