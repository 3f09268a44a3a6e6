// `npm run bench -- cuda [--json FILE] [--repeat N]`: CUDA timings (median after warm-up, the
// device synchronised around each run) of conv forward / backward-data / backward-weight, the
// fused feature-transfer op, and one FTMTLNet training step at batch 16, image 512, with
// TFLOP/s and the fraction of the card's peak. Fails with the reason when no GPU is usable.
import * as fs from 'node:fs';
import { Tensor } from '../lib/tensor';
import { capabilities } from '../lib/capabilities';
import { cudaSynchronize, getCudaMatmulPrecision } from '../lib/cuda/device';
import { getKernel } from '../lib/registry';
import '../lib/ops/index';
import { trainingStepCase } from './cuda-train-step';

export interface CudaBenchRow {
  name: string;        // e.g. 'conv3x3 fwd'
  shape: string;       // human-readable problem
  gflop: number;       // work per run
  ms: number;          // median
  tflops: number;
  peakFraction: number | null;
  precision: string;
  key: string;         // matches bench/gpu_torch.py
}

// Dense peaks in TFLOP/s (NVIDIA data sheets) by device name; null when unknown.
function peakTflops(name: string, precision: string): number | null {
  const table: [RegExp, Record<string, number>][] = [
    [/H100.*PCIe/i, { fp32: 51.2, tf32: 378, bf16: 756 }],
    [/H100|H200|GH200/i, { fp32: 66.9, tf32: 494.7, bf16: 989.4 }],
    [/A100/i, { fp32: 19.5, tf32: 156, bf16: 312 }],
    [/L40S/i, { fp32: 91.6, tf32: 183, bf16: 362 }],
  ];
  for (const [re, peaks] of table) if (re.test(name)) return peaks[precision] ?? null;
  return null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function rand(shape: number[], scale = 0.1): Tensor {
  const n = shape.reduce((p, v) => p * v, 1);
  const a = new Float32Array(n);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    a[i] = ((seed / 4294967296) * 2 - 1) * scale;
  }
  return Tensor.from(a, shape, { device: 'cuda' });
}

function time(fn: () => void, repeat: number): number {
  for (let i = 0; i < 3; i++) fn();
  cudaSynchronize();
  const ms: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    cudaSynchronize();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ms);
}

interface Geometry {
  stride: [number, number];
  padding: [number, number];
}

function convCases(): { key: string; n: number; c: number; h: number; k: number; r: number }[] {
  // FTMTLNet at batch 16, image 512: the stem output (stride 2) and deeper stages.
  return [
    { key: 'conv_s4_64', n: 16, c: 64, h: 128, k: 64, r: 3 },
    { key: 'conv_s8_128', n: 16, c: 128, h: 64, k: 128, r: 3 },
    { key: 'conv_s16_256', n: 16, c: 256, h: 32, k: 256, r: 3 },
  ];
}

export async function run(args: string[]): Promise<void> {
  const cuda = capabilities().cuda;
  if (!cuda.available) {
    console.error(`bench cuda: no usable CUDA GPU (${cuda.built ? 'built with CUDA' : 'built without CUDA'}: ${cuda.reason})`);
    process.exitCode = 2;
    return;
  }
  const jsonAt = args.indexOf('--json');
  const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : null;
  const repeatAt = args.indexOf('--repeat');
  const repeat = repeatAt >= 0 ? Number(args[repeatAt + 1]) : 20;
  const precision = getCudaMatmulPrecision();
  const device = cuda.name ?? 'unknown GPU';
  const rows: CudaBenchRow[] = [];
  const add = (key: string, name: string, shape: string, gflop: number, ms: number, p = precision): void => {
    const tflops = gflop / ms;  // GFLOP per ms = TFLOP/s
    const peak = peakTflops(device, p);
    rows.push({ key, name, shape, gflop, ms, tflops, peakFraction: peak ? tflops / peak : null, precision: p });
    console.error(`  ${name.padEnd(24)} ${shape.padEnd(30)} ${ms.toFixed(3)} ms`);
  };

  const g: Geometry = { stride: [1, 1], padding: [1, 1] };
  for (const cs of convCases()) {
    const x = rand([cs.n, cs.c, cs.h, cs.h]);
    const w = rand([cs.k, cs.c, cs.r, cs.r]);
    const b = rand([cs.k]);
    const dy = rand([cs.n, cs.k, cs.h, cs.h]);
    const gflop = (2 * cs.n * cs.k * cs.h * cs.h * cs.c * cs.r * cs.r) / 1e9;
    const shape = `${cs.n}x${cs.c}x${cs.h}x${cs.h} -> ${cs.k}`;
    const fwd = getKernel('conv2dForward', 'cuda');
    const bwdData = getKernel('conv2dBackwardData', 'cuda');
    const bwdWeight = getKernel('conv2dBackwardWeight', 'cuda');
    add(`${cs.key}_fwd`, 'conv3x3 forward', shape, gflop, time(() => fwd(x, w, b, g), repeat));
    add(`${cs.key}_bwd_data`, 'conv3x3 backward-data', shape, gflop, time(() => bwdData(dy, w, x.shape, g), repeat));
    add(`${cs.key}_bwd_weight`, 'conv3x3 backward-weight', shape, gflop, time(() => bwdWeight(x, dy, w.shape, g, { weight: true, bias: true }), repeat));
  }

  // The fused feature-transfer op: three 64-channel sources at stride 8 -> 128 channels.
  {
    const n = 16, h = 64, cs = [64, 64, 64], k = 128;
    const xs = cs.map((c) => rand([n, c, h, h]));
    const w = rand([k, 192, 3, 3]);
    const b = rand([k]);
    const dy = rand([n, k, h, h]);
    const gflop = (2 * n * k * h * h * 192 * 9) / 1e9;
    const shape = `3x ${n}x64x${h}x${h} -> ${k}`;
    const fwd = getKernel('featureTransferForward', 'cuda');
    const bwd = getKernel('featureTransferBackward', 'cuda');
    add('ft3_fwd', 'featureTransfer forward', shape, gflop, time(() => fwd(xs, w, b, g), repeat));
    add('ft3_bwd', 'featureTransfer backward', shape, 2 * gflop,
      time(() => bwd(xs, w, dy, g, { xs: [true, true, true], weight: true, bias: true }), repeat));
  }

  // One full training step (forward, loss, backward, AdamW) of FTMTLNet, batch 16, image 512.
  try {
    const step = await trainingStepCase({ batch: 16, imageSize: 512, device: 'cuda' });
    add('train_step', 'FTMTLNet train step', 'batch 16, image 512', step.gflop, time(step.run, Math.max(3, Math.floor(repeat / 4))));
  } catch (err) {
    console.error(`  FTMTLNet train step: not run (${(err as Error).message})`);
  }

  const result = { device, computeCapability: cuda.computeCapability, precision, rows };
  if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify(result, null, 2));
  else console.log(JSON.stringify(result, null, 2));
}
