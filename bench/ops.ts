// `npm run bench -- ops [--json] [--repeat N] [--threads N] [--no-torch]`: median time, GFLOP/s and
// fraction of the measured FP32 FMA peak for the heavy ops (conv passes, featureTransfer,
// linear), beside onnxruntime-node running the same forward and PyTorch (CPU, when python3
// has torch) running every pass, in the same run with the same thread count. The stride-1 3x3
// forward and backward-data rows also time the direct convolution (setConvAlgorithm('direct'))
// beside the setting in force (FTMTLNET_CONV, default auto: Winograd where it pays).
import { Tensor } from '../lib/tensor';
import { addon, nativeCore } from '../lib/native';
import { getKernel } from '../lib/registry';
import '../lib/ops/index';
import type { ConvGeometry } from '../lib/ops/conv-options';
import { convPeer, linearPeer, PeerRun } from './ort-peer';
import { pause, settle } from './settle';
import { runTorchPeer, torchKey, TorchConvCase, TorchLinearCase } from './torch-peer';

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
  torchMs: number | null;          // PyTorch (CPU), every pass
  oursOverTorch: number | null;
  directMs: number | null;         // the same pass with the direct convolution (Winograd off)
  oursOverDirect: number | null;
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

// Median time of fn after a warm-up, with a GC before every run.
async function measure(fn: () => void, repeat: number): Promise<number> {
  const ms: number[] = [];
  fn();
  for (let i = 0; i < repeat; i++) {
    await settle();
    const t0 = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ms);
}

// The peer is created only after all of our passes were timed, and released (then given time
// to stop spinning) before the next op: onnxruntime's pool threads keep spinning after session
// creation and after each run, and would steal our cores if the two were interleaved.
async function measurePeer(makePeer: () => Promise<PeerRun | null>, repeat: number): Promise<number | null> {
  const peer = await makePeer();
  if (!peer) return null;
  const ms: number[] = [];
  await peer.run();
  for (let i = 0; i < repeat; i++) {
    await settle();
    const t0 = process.hrtime.bigint();
    await peer.run();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await peer.release();
  await pause(100);
  return median(ms);
}

interface ConvCase { name: string; n: number; sources: number[]; h: number; w: number; k: number; r: number; stride: number; padding: number }

const convCases: ConvCase[] = [
  { name: 'conv3x3', n: 1, sources: [64], h: 128, w: 128, k: 64, r: 3, stride: 1, padding: 1 },
  { name: 'conv3x3', n: 1, sources: [32], h: 128, w: 128, k: 64, r: 3, stride: 2, padding: 1 },
  { name: 'conv3x3', n: 2, sources: [32], h: 64, w: 64, k: 32, r: 3, stride: 1, padding: 1 },
  { name: 'conv3x3', n: 1, sources: [128], h: 32, w: 32, k: 128, r: 3, stride: 1, padding: 1 },
  { name: 'featureTransfer', n: 1, sources: [32, 32, 64], h: 64, w: 64, k: 64, r: 3, stride: 1, padding: 1 },
  // Shapes of the model's late stages and early decoder (preset m, batch 8; preset s at 512 px).
  { name: 'conv3x3', n: 8, sources: [128], h: 16, w: 16, k: 128, r: 3, stride: 1, padding: 1 },
  { name: 'conv3x3', n: 1, sources: [32], h: 128, w: 128, k: 32, r: 3, stride: 1, padding: 1 },
];

function convShapeLabel(cs: ConvCase): string {
  return `${cs.n}x${cs.sources.join('+')}x${cs.h}x${cs.w} -> ${cs.k}, s${cs.stride}`;
}

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
  const shape = convShapeLabel(cs);
  const passes: [string, () => void][] = fused
    ? [
        ['forward', () => void getKernel('featureTransferForward', 'cpu')(xs, w, b, g)],
        ['backward-data', () => void getKernel('featureTransferBackward', 'cpu')(xs, w, dy, g,
          { xs: xs.map(() => true), weight: false, bias: false })],
        ['backward-weight', () => void getKernel('featureTransferBackward', 'cpu')(xs, w, dy, g,
          { xs: xs.map(() => false), weight: true, bias: true })],
      ]
    : [
        ['forward', () => void getKernel('conv2dForward', 'cpu')(xs[0], w, b, g)],
        ['backward-data', () => void getKernel('conv2dBackwardData', 'cpu')(dy, w, xs[0].shape, g)],
        ['backward-weight', () => void getKernel('conv2dBackwardWeight', 'cpu')(xs[0], dy, w.shape, g,
          { weight: true, bias: true })],
      ];
  const times: number[] = [];
  for (const [, fn] of passes) times.push(await measure(fn, repeat));
  // Winograd on and off: forward and backward-data again with the direct convolution.
  const core = nativeCore();
  const setting = core.convAlgorithm();
  const winogradShape = cs.r === 3 && cs.stride === 1 && setting !== 'direct';
  const directTimes: (number | null)[] = [];
  core.setConvAlgorithm('direct');
  try {
    for (const [pass, fn] of passes) directTimes.push(winogradShape && pass !== 'backward-weight' ? await measure(fn, repeat) : null);
  } finally {
    core.setConvAlgorithm(setting);
  }
  const ortMs = await measurePeer(() => convPeer({
    inputs: xs.map((x) => ({ shape: [...x.shape] })),
    weight: { shape: [...w.shape], data: w.data },
    bias: b.data,
    stride: g.stride,
    padding: g.padding,
  }, threads), repeat);
  const forwardGflops = flops / times[0] / 1e6;
  return passes.map(([pass], i) => {
    const gflops = flops / times[i] / 1e6;
    const forward = pass === 'forward';
    return {
      op: cs.name, shape, pass, ms: times[i], gflops, peakFraction: gflops / peak,
      ortMs: forward ? ortMs : null, oursOverOrt: forward && ortMs ? times[i] / ortMs : null,
      forwardOverThis: forward ? null : forwardGflops / gflops, torchMs: null, oursOverTorch: null,
      directMs: directTimes[i], oursOverDirect: directTimes[i] !== null ? times[i] / (directTimes[i] as number) : null,
    };
  });
}

async function benchLinear(n: number, inF: number, outF: number, repeat: number, threads: number, peak: number): Promise<Row[]> {
  const x = rand([n, inF]);
  const w = rand([outF, inF], 0.05);
  const b = rand([outF]);
  const dy = rand([n, outF]);
  const flops = 2 * n * inF * outF;
  const shape = `${n}x${inF} -> ${outF}`;
  const fwdMs = await measure(() => void getKernel('linearForward', 'cpu')(x, w, b), repeat);
  const bwdMs = await measure(() => void getKernel('linearBackward', 'cpu')(x, w, dy,
    { x: true, weight: true, bias: true }), repeat);
  const ortMs = await measurePeer(() => linearPeer(n, inF, w.data, b.data, threads), repeat);
  const fg = flops / fwdMs / 1e6;
  const bg = (2 * flops) / bwdMs / 1e6;
  return [
    { op: 'linear', shape, pass: 'forward', ms: fwdMs, gflops: fg, peakFraction: fg / peak, ortMs,
      oursOverOrt: ortMs ? fwdMs / ortMs : null, forwardOverThis: null, torchMs: null, oursOverTorch: null,
      directMs: null, oursOverDirect: null },
    { op: 'linear', shape, pass: 'backward (dx+dw)', ms: bwdMs, gflops: bg, peakFraction: bg / peak, ortMs: null,
      oursOverOrt: null, forwardOverThis: fg / bg, torchMs: null, oursOverTorch: null, directMs: null, oursOverDirect: null },
  ];
}

function printTable(rows: Row[], header: string): void {
  const f = (v: number | null, d: number) => (v === null ? '-' : v.toFixed(d));
  const cols = ['op', 'shape', 'pass', 'ms', 'GFLOP/s', '% peak', 'direct ms', 'ours/direct', 'ort ms', 'ours/ort', 'torch ms',
    'ours/torch', 'fwd/this'];
  const data = rows.map((r) => [r.op, r.shape, r.pass, f(r.ms, 2), f(r.gflops, 1), f(100 * r.peakFraction, 0),
    f(r.directMs, 2), f(r.oursOverDirect, 2), f(r.ortMs, 2), f(r.oursOverOrt, 2), f(r.torchMs, 2), f(r.oursOverTorch, 2),
    f(r.forwardOverThis, 2)]);
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
  const bench = addon();
  let peak = 0;
  // Many short windows, best one: longer windows on a shared machine measure the neighbours.
  for (let i = 0; i < 60; i++) peak = Math.max(peak, bench.fmaPeak(threads, 500_000));
  const rows: Row[] = [];
  for (const cs of convCases) rows.push(...(await benchConv(cs, repeat, threads, peak)));
  rows.push(...(await benchLinear(64, 1024, 1024, repeat, threads, peak)));
  // PyTorch last, in its own process, with the same shapes (keyed by op and shape).
  let torchNote = 'PyTorch: skipped (--no-torch)';
  if (!args.includes('--no-torch')) {
    const convs: TorchConvCase[] = convCases.map((cs) => ({ key: `${cs.name} ${convShapeLabel(cs)}`, n: cs.n, sources: cs.sources,
      h: cs.h, w: cs.w, k: cs.k, r: cs.r, stride: cs.stride, padding: cs.padding }));
    const linears: TorchLinearCase[] = [{ key: 'linear 64x1024 -> 1024', n: 64, in: 1024, out: 1024 }];
    const torch = runTorchPeer({ threads, repeat, convs, linears });
    if ('error' in torch) {
      torchNote = `PyTorch: not run (${torch.error})`;
    } else {
      torchNote = `PyTorch ${torch.version} (CPU, conv2d(cat(xs)) for featureTransfer)`;
      for (const r of rows) {
        const ms = torch.ms.get(torchKey(`${r.op} ${r.shape}`, r.pass));
        if (ms !== undefined) {
          r.torchMs = ms;
          r.oursOverTorch = r.ms / ms;
        }
      }
    }
  }
  const header = `ftmtlnet ops bench: simd ${core.simdLevel()}, ${threads} threads, conv ${core.convAlgorithm()} (direct ms: Winograd off; GFLOP/s counts direct-conv flops), measured FMA peak ${peak.toFixed(1)} GFLOP/s, median of ${repeat} after warm-up (ours, then onnxruntime, then PyTorch; GC before each of our runs); ours/ort and ours/torch = time ratios (< 1: we are faster), fwd/this = forward GFLOP/s over this pass's\n${torchNote}`;
  if (json) console.log(JSON.stringify({ simd: core.simdLevel(), threads, conv: core.convAlgorithm(), peakGflops: peak, repeat, torch: torchNote, rows }, null, 2));
  else printTable(rows, header);
}
