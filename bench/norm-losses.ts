// Benchmark of batchNorm2d and the losses: median time after warm-up, the bytes moved per
// second against a memory copy measured in the same run (batch norm is memory-bound), and the
// losses' elements per second against plain JavaScript computing the same loss and gradient.
// Run: npm run bench -- norm-losses [--threads N] [--json]
import { Tensor } from '../lib/tensor';
import { backwardThrough } from '../lib/autograd';
import { setNumThreads, getNumThreads } from '../lib/capabilities';
import { batchNorm2d } from '../lib/ops/norm';
import { bceWithLogits, diceLoss, focalLoss, l1Loss } from '../lib/ops/losses';
import { settle } from './settle';

async function medianMs(f: () => unknown, reps = 15): Promise<number> {
  for (let i = 0; i < 3; i++) {
    f();
    await settle();
  }
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    await settle();
    const t0 = process.hrtime.bigint();
    f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

function wave(n: number, scale: number, freq: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => scale * Math.sin(i * freq));
}

interface Row {
  name: string;
  ms: number;
  rate: string;
  peer: string;
  ratio: number;
}

export async function run(args: string[]): Promise<void> {
  const threadsAt = args.indexOf('--threads');
  if (threadsAt >= 0) setNumThreads(Number(args[threadsAt + 1]));
  const rows: Row[] = [];

  const shape = [8, 32, 128, 128];
  const n = shape.reduce((a, b) => a * b, 1);
  const mb = (n * 4) / 1e6;
  const x = Tensor.from(wave(n, 2, 0.37), shape, { requiresGrad: true });
  const dy = Tensor.from(wave(n, 1, 0.11), shape);
  const w = Tensor.ones([32], { requiresGrad: true });
  const b = Tensor.zeros([32], { requiresGrad: true });
  const rm = Tensor.zeros([32]);
  const rv = Tensor.ones([32]);
  const copyMs = await medianMs(() => x.clone());
  const copyGBs = (2 * mb) / copyMs;
  const bn = async (name: string, passes: number, f: () => unknown): Promise<void> => {
    const ms = await medianMs(f);
    const gbs = (passes * mb) / ms;
    rows.push({ name, ms, rate: `${gbs.toFixed(1)} GB/s`, peer: `copy ${copyGBs.toFixed(1)} GB/s`, ratio: gbs / copyGBs });
  };
  const xd = x.detach();
  await bn('batchNorm2d train forward [8,32,128,128]', 3, () => batchNorm2d(xd, rm, rv, w.detach(), b.detach(), { training: true }));
  await bn('batchNorm2d eval forward', 2, () => batchNorm2d(xd, rm, rv, w.detach(), b.detach(), { training: false }));
  const yt = batchNorm2d(x, rm, rv, w, b, { training: true });
  await bn('batchNorm2d train backward', 5, () => backwardThrough(yt.gradFn!, dy));
  const ye = batchNorm2d(x, rm, rv, w, b, { training: false });
  await bn('batchNorm2d eval backward', 5, () => backwardThrough(ye.gradFn!, dy));

  const ms = [8, 1, 256, 256];
  const m = ms.reduce((a, v) => a * v, 1);
  const logits = Tensor.from(wave(m, 3, 0.37), ms, { requiresGrad: true });
  const target = Tensor.from(Float32Array.from({ length: m }, (_, i) => (Math.sin(i * 0.11) > 0.7 ? 1 : Math.max(0, Math.sin(i * 0.11)))), ms);
  const lx = logits.data;
  const lt = target.data;
  const g = new Float32Array(m);  // the peers write their gradient here, as the ops do
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  const jsPeers: Record<string, () => number> = {
    bceWithLogits: () => {
      let s = 0;
      for (let i = 0; i < m; i++) {
        s += Math.max(lx[i], 0) - lx[i] * lt[i] + Math.log1p(Math.exp(-Math.abs(lx[i])));
        g[i] = (sig(lx[i]) - lt[i]) / m;
      }
      return s / m;
    },
    diceLoss: () => {
      let s = 0;
      const per = m / ms[0];
      for (let k = 0; k < ms[0]; k++) {
        let pt = 0, ps = 0, ts = 0;
        for (let i = k * per; i < (k + 1) * per; i++) {
          const p = sig(lx[i]);
          g[i] = p;
          pt += p * lt[i];
          ps += p;
          ts += lt[i];
        }
        const a = ps + ts + 1, bb = 2 * pt + 1;
        for (let i = k * per; i < (k + 1) * per; i++) g[i] = (-(2 * lt[i] * a - bb) / (a * a * ms[0])) * g[i] * (1 - g[i]);
        s += 1 - bb / a;
      }
      return s / ms[0];
    },
    focalLoss: () => {
      let s = 0, pos = 0;
      for (let i = 0; i < m; i++) {
        const p = Math.min(Math.max(sig(lx[i]), 1e-4), 1 - 1e-4);
        const q = 1 - p;
        if (lt[i] === 1) {
          pos++;
          s -= q * q * Math.log(p);
          g[i] = 2 * p * q * q * Math.log(p) - q * q * q;
        } else {
          const w = (1 - lt[i]) ** 4;
          s -= w * p * p * Math.log(q);
          g[i] = w * p * p * (p - 2 * q * Math.log(q));
        }
      }
      const norm = Math.max(1, pos);
      for (let i = 0; i < m; i++) g[i] /= norm;
      return s / norm;
    },
    l1Loss: () => {
      let s = 0;
      for (let i = 0; i < m; i++) {
        const d = lx[i] - lt[i];
        s += Math.abs(d);
        g[i] = Math.sign(d) / m;
      }
      return s / m;
    },
  };
  const losses: [string, () => unknown][] = [
    ['bceWithLogits', () => bceWithLogits(logits, target)],
    ['diceLoss', () => diceLoss(logits, target)],
    ['focalLoss', () => focalLoss(logits, target)],
    ['l1Loss', () => l1Loss(logits, target)],
  ];
  for (const [name, f] of losses) {
    const t = await medianMs(f);
    const peer = await medianMs(jsPeers[name]);
    rows.push({
      name: `${name} forward+gradient [8,1,256,256]`, ms: t, rate: `${(m / t / 1e3).toFixed(0)} Melem/s`,
      peer: `plain JS ${(m / peer / 1e3).toFixed(0)} Melem/s`, ratio: peer / t,
    });
  }

  if (args.includes('--json')) {
    console.log(JSON.stringify({ threads: getNumThreads(), rows }, null, 2));
    return;
  }
  console.log(`threads: ${getNumThreads()} (ratio: for batch norm the fraction of copy bandwidth; for losses the speed-up over plain JS)`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(44)} ${r.ms.toFixed(2).padStart(8)} ms  ${r.rate.padStart(14)}  ${r.peer.padEnd(30)} ratio ${r.ratio.toFixed(2)}`);
  }
}
