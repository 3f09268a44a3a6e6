// `npm run bench -- ops [--json] [--repeat N] [--threads N]`: median time, GFLOP/s and fraction of the
// measured FP32 FMA peak for the heavy ops (conv passes, featureTransfer, linear), beside
// onnxruntime-node running the same forward in the same run with the same thread count.
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Tensor } from '../lib/tensor';
import { nativeCore, nativeFunctions } from '../lib/native';
import { getKernel } from '../lib/ops/registry';
import '../lib/ops/index';
import type { ConvGeometry } from '../lib/ops/conv-options';
import type {
  Conv2dBackwardDataKernel, Conv2dBackwardWeightKernel, Conv2dForwardKernel,
  FeatureTransferBackwardKernel, FeatureTransferForwardKernel,
} from '../lib/ops/cpu/conv-kernels';
import type { LinearBackwardKernel, LinearForwardKernel } from '../lib/ops/cpu/linear-kernels';
import { convPeer, linearPeer, PeerRun } from './ort-peer';

interface Row {
  op: string;
  shape: string;
  pass: string;
  ms: number;
  gflops: number;
  peakFraction: number;
  ortMs: number | null;
  oursOverOrt: number | null;      // time ratio, forward only (< 1: we are faster)
  forwardOverThis: number | null;  // forward GFLOP/s / this pass's GFLOP/s (backward rows)
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function rand(shape: number[], scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = (Math.sin(i * 12.9898) * 43758.5453 % 1) * scale;
  return Tensor.from(d, shape);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A full GC before each timed run lets the finalizers of the previous outputs hand their
// buffers back to the caching pool, as in a steady training loop: without it every output is
// fresh system memory and the first-touch page faults (several ms per MB in a VM) swamp the op.
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;
async function settle(): Promise<void> {
  collect();
  await new Promise((resolve) => setImmediate(resolve));
}

// Times fn and the peer in alternating blocks (3 rounds) so both see the machine's noise; a
// pause between blocks lets onnxruntime's spinning pool threads go idle before we run.
async function measure(fn: () => void, peer: PeerRun | null, repeat: number): Promise<{ ms: number; ortMs: number | null }> {
  fn();
  if (peer) await peer.run();
  const ours: number[] = [];
  const theirs: number[] = [];
  const rounds = 3;
  for (let round = 0; round < rounds; round++) {
    const count = Math.ceil(repeat / rounds);
    await pause(20);
    for (let i = 0; i < count; i++) {
      await settle();
      const t0 = process.hrtime.bigint();
      fn();
      ours.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    if (!peer) continue;
    for (let i = 0; i < count; i++) {
      await settle();
      const t1 = process.hrtime.bigint();
      await peer.run();
      theirs.push(Number(process.hrtime.bigint() - t1) / 1e6);
    }
  }
  return { ms: median(ours), ortMs: peer ? median(theirs) : null };
}

interface ConvCase { name: string; n: number; sources: number[]; h: number; w: number; k: number; r: number; stride: number; padding: number }

const convCases: ConvCase[] = [
  { name: 'conv3x3', n: 1, sources: [64], h: 128, w: 128, k: 64, r: 3, stride: 1, padding: 1 },
  { name: 'conv3x3', n: 1, sources: [32], h: 128, w: 128, k: 64, r: 3, stride: 2, padding: 1 },
  { name: 'conv3x3', n: 2, sources: [32], h: 64, w: 64, k: 32, r: 3, stride: 1, padding: 1 },
  { name: 'conv3x3', n: 1, sources: [128], h: 32, w: 32, k: 128, r: 3, stride: 1, padding: 1 },
  { name: 'featureTransfer', n: 1, sources: [32, 32, 64], h: 64, w: 64, k: 64, r: 3, stride: 1, padding: 1 },
];

async function benchConv(cs: ConvCase, repeat: number, threads: number, peak: number): Promise<Row[]> {
  const C = cs.sources.reduce((a, b) => a + b, 0);
  const xs = cs.sources.map((c) => rand([cs.n, c, cs.h, cs.w]));
  const w = rand([cs.k, C, cs.r, cs.r], 0.1);
  const b = rand([cs.k]);
  const g: ConvGeometry = { stride: [cs.stride, cs.stride], padding: [cs.padding, cs.padding] };
  const P = Math.floor((cs.h + 2 * cs.padding - cs.r) / cs.stride) + 1;
  const Q = Math.floor((cs.w + 2 * cs.padding - cs.r) / cs.stride) + 1;
  const flops = 2 * cs.n * cs.k * P * Q * C * cs.r * cs.r;
  const dy = rand([cs.n, cs.k, P, Q]);
  const fused = cs.sources.length > 1;
  const shape = `${cs.n}x${cs.sources.join('+')}x${cs.h}x${cs.w} -> ${cs.k}, s${cs.stride}`;
  const passes: [string, () => void][] = fused
    ? [
        ['forward', () => void getKernel<FeatureTransferForwardKernel>('featureTransferForward', 'cpu')(xs, w, b, g)],
        ['backward-data', () => void getKernel<FeatureTransferBackwardKernel>('featureTransferBackward', 'cpu')(xs, w, dy, g,
          { xs: xs.map(() => true), weight: false, bias: false })],
        ['backward-weight', () => void getKernel<FeatureTransferBackwardKernel>('featureTransferBackward', 'cpu')(xs, w, dy, g,
          { xs: xs.map(() => false), weight: true, bias: true })],
      ]
    : [
        ['forward', () => void getKernel<Conv2dForwardKernel>('conv2dForward', 'cpu')(xs[0], w, b, g)],
        ['backward-data', () => void getKernel<Conv2dBackwardDataKernel>('conv2dBackwardData', 'cpu')(dy, w, xs[0].shape, g)],
        ['backward-weight', () => void getKernel<Conv2dBackwardWeightKernel>('conv2dBackwardWeight', 'cpu')(xs[0], dy, w.shape, g,
          { weight: true, bias: true })],
      ];
  const peer = await convPeer({
    inputs: xs.map((x) => ({ shape: [...x.shape] })),
    weight: { shape: [...w.shape], data: w.data },
    bias: b.data,
    stride: g.stride,
    padding: g.padding,
  }, threads);
  const rows: Row[] = [];
  let forwardGflops = 0;
  for (const [pass, fn] of passes) {
    const m = await measure(fn, pass === 'forward' ? peer : null, repeat);
    const gflops = flops / m.ms / 1e6;
    if (pass === 'forward') forwardGflops = gflops;
    rows.push({
      op: cs.name, shape, pass, ms: m.ms, gflops, peakFraction: gflops / peak,
      ortMs: m.ortMs, oursOverOrt: m.ortMs ? m.ms / m.ortMs : null,
      forwardOverThis: pass === 'forward' ? null : forwardGflops / gflops,
    });
  }
  if (peer) await peer.release();
  return rows;
}

async function benchLinear(n: number, inF: number, outF: number, repeat: number, threads: number, peak: number): Promise<Row[]> {
  const x = rand([n, inF]);
  const w = rand([outF, inF], 0.05);
  const b = rand([outF]);
  const dy = rand([n, outF]);
  const flops = 2 * n * inF * outF;
  const shape = `${n}x${inF} -> ${outF}`;
  const peer = await linearPeer(n, inF, w.data, b.data, threads);
  const rows: Row[] = [];
  const fwd = await measure(() => void getKernel<LinearForwardKernel>('linearForward', 'cpu')(x, w, b), peer, repeat);
  const fg = flops / fwd.ms / 1e6;
  rows.push({ op: 'linear', shape, pass: 'forward', ms: fwd.ms, gflops: fg, peakFraction: fg / peak, ortMs: fwd.ortMs,
    oursOverOrt: fwd.ortMs ? fwd.ms / fwd.ortMs : null, forwardOverThis: null });
  const bwd = await measure(() => void getKernel<LinearBackwardKernel>('linearBackward', 'cpu')(x, w, dy,
    { x: true, weight: true, bias: true }), null, repeat);
  const bg = (2 * flops) / bwd.ms / 1e6;
  rows.push({ op: 'linear', shape, pass: 'backward (dx+dw)', ms: bwd.ms, gflops: bg, peakFraction: bg / peak, ortMs: null,
    oursOverOrt: null, forwardOverThis: fg / bg });
  if (peer) await peer.release();
  return rows;
}

function printTable(rows: Row[], header: string): void {
  const f = (v: number | null, d: number) => (v === null ? '-' : v.toFixed(d));
  const cols = ['op', 'shape', 'pass', 'ms', 'GFLOP/s', '% peak', 'ort ms', 'ours/ort', 'fwd/this'];
  const data = rows.map((r) => [r.op, r.shape, r.pass, f(r.ms, 2), f(r.gflops, 1), f(100 * r.peakFraction, 0),
    f(r.ortMs, 2), f(r.oursOverOrt, 2), f(r.forwardOverThis, 2)]);
  const widths = cols.map((c, i) => Math.max(c.length, ...data.map((d) => d[i].length)));
  console.log(header);
  console.log(cols.map((c, i) => c.padEnd(widths[i])).join('  '));
  for (const d of data) console.log(d.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const ri = args.indexOf('--repeat');
  const repeat = ri >= 0 ? Math.max(1, Number(args[ri + 1]) || 9) : 9;
  const core = nativeCore();
  const ti = args.indexOf('--threads');
  if (ti >= 0) core.setNumThreads(Math.max(1, Number(args[ti + 1]) || 1));
  const threads = core.numThreads();
  const bench = nativeFunctions<{ fmaPeak(threads: number, iterations: number): number }>();
  let peak = 0;
  // Many short windows, best one: longer windows on a shared machine measure the neighbours.
  for (let i = 0; i < 60; i++) peak = Math.max(peak, bench.fmaPeak(threads, 500_000));
  const rows: Row[] = [];
  for (const cs of convCases) rows.push(...(await benchConv(cs, repeat, threads, peak)));
  rows.push(...(await benchLinear(64, 1024, 1024, repeat, threads, peak)));
  const header = `ftmtlnet ops bench: simd ${core.simdLevel()}, ${threads} threads, measured FMA peak ${peak.toFixed(1)} GFLOP/s, median of ${Math.ceil(repeat / 3) * 3} after warm-up (3 alternating rounds, GC before each run); ours/ort = time ratio (< 1: faster), fwd/this = forward GFLOP/s over this pass's`;
  if (json) console.log(JSON.stringify({ simd: core.simdLevel(), threads, peakGflops: peak, repeat, rows }, null, 2));
  else printTable(rows, header);
}
