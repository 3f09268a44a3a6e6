// `npm run bench -- train`: one FTMTLNet training step by our engine and by PyTorch (CPU) on
// the same architecture and weights, in one run: the model is exported to ONNX, PyTorch
// rebuilds it from that graph (bench/onnx_torch.py), each engine times its steps in a fresh
// process of its own (ours first, then PyTorch), and reports its peak RSS the same way
// (VmHWM from /proc/self/status in both; getrusage where there is no procfs).
// Step = forward in train mode, backward of sum_i sum(out_i * r_i) over the five outputs with
// fixed random r_i, SGD with momentum. The eval-mode outputs of both are compared first.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Tensor } from '../lib/tensor';
import { noGrad } from '../lib/autograd';
import { FTMTLNet, OUTPUT_NAMES } from '../lib/model/ftmtlnet';
import type { Preset } from '../lib/model/config';
import { exportOnnxBytes } from '../lib/onnx/export';
import { getNumThreads } from '../lib/capabilities';
import { Rng } from '../lib/random';
import { writeGraphJson } from './onnx-graph-json';
import { findTorchPython } from './torch-peer';
import type { StepTimes, TrainSpec } from './train-step-ours';

interface EngineRow { ms: number; peakRssMb: number; rssBeforeMb: number; threads: number }

export interface TrainBenchResult {
  preset: string;
  imageSize: number;
  batch: number;
  threads: number;
  repeat: number;
  warmup: number;
  stepGflop: number;             // ~3x the forward FLOPs of conv/linear layers
  loadAverage: number[];         // os.loadavg() at the start
  ours: EngineRow;
  torch: (EngineRow & { version: string; parityMaxAbsDiff: Record<string, number> }) | { skipped: string };
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function intFlag(args: string[], name: string, fallback: number, min: number): number {
  const text = flag(args, name);
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) throw new RangeError(`Expected an integer >= ${min} for ${name} but received ${JSON.stringify(text)}`);
  return v;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function writeFloats(file: string, data: Float32Array): void {
  fs.writeFileSync(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// A child process that prints one JSON object; a failure names the command and its last line.
function runJson<T>(command: string, args: string[]): T {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.error) throw new Error(`${command} did not start: ${r.error.message}`);
  if (r.status !== 0) {
    const last = (r.stderr || '').trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${command} ${args.join(' ')} failed (exit ${r.status}): ${last}`);
  }
  return JSON.parse(r.stdout) as T;
}

// This repository's bench/ folder (from bench/*.ts under tap, or dist/bench/*.js).
function benchSourceDir(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return path.join(dir, 'bench');
}

export interface TorchTrain { version: string; threads: number; ms: number[]; rssBeforeMb: number; peakRssMb: number }

// Runs bench/train_torch.py on a folder written by prepareTrainBench.
export function runTorchTrain(python: string, dir: string, threads: number, repeat: number, warmup: number): TorchTrain {
  const script = path.join(benchSourceDir(), 'train_torch.py');
  return runJson<TorchTrain>(python, [script, '--dir', dir, '--threads', String(threads), '--mode', 'train', '--repeat', String(repeat), '--warmup', String(warmup)]);
}

export function runTorchParity(python: string, dir: string, threads: number): Record<string, number> {
  const script = path.join(benchSourceDir(), 'train_torch.py');
  return runJson<{ maxAbsDiff: Record<string, number> }>(python, [script, '--dir', dir, '--threads', String(threads), '--mode', 'parity']).maxAbsDiff;
}

// Writes the shared folder: model.onnx, graph.json + weights.bin, spec.json, input.bin, r.bin
// and our eval-mode outputs (ours_eval.bin) for the parity check.
export function prepareTrainBench(dir: string, o: { preset: Preset; size: number; batch: number; threads: number; repeat: number; warmup: number }): { spec: TrainSpec; gflop: number } {
  const model = FTMTLNet.create({ preset: o.preset, imageSize: o.size, seed: 1 });
  const bytes = exportOnnxBytes(model);
  fs.writeFileSync(path.join(dir, 'model.onnx'), bytes);
  writeGraphJson(bytes, dir);
  const S = o.size;
  const input = new Float32Array(o.batch * S * S).map((_, i) => ((i * 2654435761) % 1000) / 1000);
  writeFloats(path.join(dir, 'input.bin'), input);
  model.eval();
  const out = noGrad(() => model.forward(Tensor.from(input, [o.batch, 1, S, S])));
  const outputs = OUTPUT_NAMES.map((name) => out[name]);
  writeFloats(path.join(dir, 'ours_eval.bin'), concat(outputs.map((t) => t.data as Float32Array)));
  const rng = new Rng(7);
  writeFloats(path.join(dir, 'r.bin'), concat(outputs.map((t) => new Float32Array(t.numel).map(() => rng.normal()))));
  const spec: TrainSpec = {
    trainable: model.namedParameters().map(([name]) => name),
    batch: o.batch,
    imageSize: S,
    outputShapes: outputs.map((t) => [...t.shape]),
    lr: 1e-3,
    momentum: 0.9,
    threads: o.threads,
    repeat: o.repeat,
    warmup: o.warmup,
  };
  fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec));
  return { spec, gflop: (3 * o.batch * model.summary().flops) / 1e9 };
}

export async function runTrainBench(o: { preset: Preset; size: number; batch: number; threads: number; repeat: number; warmup: number }): Promise<TrainBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftmtlnet-bench-train-'));
  try {
    const loadAverage = os.loadavg();
    const { gflop } = prepareTrainBench(dir, o);
    const oursRun = runJson<StepTimes>(process.execPath, ['--single-threaded-gc', path.join(__dirname, 'train-step-ours.js'), dir]);
    const ours: EngineRow = { ms: median(oursRun.ms), peakRssMb: oursRun.peakRssMb, rssBeforeMb: oursRun.rssBeforeMb, threads: oursRun.threads };
    const base = { preset: o.preset, imageSize: o.size, batch: o.batch, threads: o.threads, repeat: o.repeat, warmup: o.warmup, stepGflop: gflop, loadAverage, ours };
    const py = findTorchPython();
    if ('error' in py) return { ...base, torch: { skipped: `PyTorch peer skipped: ${py.error}` } };
    const train = runTorchTrain(py.python, dir, o.threads, o.repeat, o.warmup);
    const parity = runTorchParity(py.python, dir, o.threads);
    return {
      ...base,
      torch: {
        version: train.version, ms: median(train.ms), peakRssMb: train.peakRssMb, rssBeforeMb: train.rssBeforeMb,
        threads: train.threads, parityMaxAbsDiff: parity,
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function formatTrainBench(r: TrainBenchResult): string {
  const lines = [
    `FTMTLNet training step, preset ${r.preset}, ${r.imageSize} px, batch ${r.batch}, ${r.threads} threads, median of ${r.repeat} after ${r.warmup} warm-up steps, ` +
      `each engine in its own process, ours first (load average ${r.loadAverage.map((l) => l.toFixed(2)).join(' ')})`,
    `step = train-mode forward + backward of sum(out_i * r_i) + SGD momentum; ~${r.stepGflop.toFixed(1)} GFLOP (3x the forward conv/linear FLOPs)`,
    'engine            ms/step   GFLOP/s   peak RSS MB   RSS before 1st step MB',
  ];
  const row = (name: string, e: EngineRow): string =>
    `${name.padEnd(16)} ${e.ms.toFixed(1).padStart(8)}  ${(r.stepGflop / (e.ms / 1e3)).toFixed(1).padStart(8)}  ${e.peakRssMb.toFixed(0).padStart(12)}  ${e.rssBeforeMb.toFixed(0).padStart(23)}`;
  lines.push(row('ours', r.ours));
  if ('skipped' in r.torch) {
    lines.push(r.torch.skipped);
  } else {
    lines.push(row(`PyTorch ${r.torch.version}`, r.torch));
    lines.push(`ours / PyTorch: time ${(r.ours.ms / r.torch.ms).toFixed(2)}, peak RSS ${(r.ours.peakRssMb / r.torch.peakRssMb).toFixed(2)}`);
    const diffs = Object.entries(r.torch.parityMaxAbsDiff);
    const worst = Math.max(...diffs.map(([, d]) => d));
    lines.push(`eval-mode parity, PyTorch vs ours, max |diff|: ${diffs.map(([k, d]) => `${k} ${d.toExponential(1)}`).join(', ')} (worst ${worst.toExponential(1)})`);
  }
  return lines.join('\n');
}

const PRESETS: readonly Preset[] = ['xs', 's', 'm', 'l'];

export async function run(args: string[]): Promise<void> {
  const preset = (flag(args, '--preset') ?? 's') as Preset;
  if (!PRESETS.includes(preset)) throw new RangeError(`Expected one of ${PRESETS.join(', ')} for --preset but received ${JSON.stringify(preset)}`);
  const o = {
    preset,
    size: intFlag(args, '--size', 256, 32),
    batch: intFlag(args, '--batch', 8, 1),
    threads: intFlag(args, '--threads', getNumThreads(), 1),
    repeat: intFlag(args, '--repeat', 5, 1),
    warmup: intFlag(args, '--warmup', 2, 0),
  };
  const result = await runTrainBench(o);
  if (args.includes('--json')) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else console.log(formatTrainBench(result));
}
