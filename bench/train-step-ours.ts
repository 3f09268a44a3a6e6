// Our side of `npm run bench -- train`, run in a fresh process so its peak RSS is the step's
// alone: loads model.onnx from the folder bench/train-step.ts wrote (the same weights the
// PyTorch peer reads), then times `repeat` training steps after `warmup`: forward in train
// mode, backward of sum_i sum(out_i * r_i), SGD with momentum, the graph released as the
// trainer does. Argument: the folder; writes one JSON object to stdout.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tensor } from '../lib/tensor';
import * as ops from '../lib/ops';
import { importOnnx } from '../lib/onnx/import';
import { OUTPUT_NAMES } from '../lib/model/ftmtlnet';
import { releaseGraph } from '../lib/autograd';
import { SGD } from '../lib/train/optimizers';
import { setNumThreads, getNumThreads } from '../lib/capabilities';
import { settle } from './settle';

export interface TrainSpec {
  trainable: string[];
  batch: number;
  imageSize: number;
  outputShapes: number[][];
  lr: number;
  momentum: number;
  threads: number;
  repeat: number;
  warmup: number;
}

export interface StepTimes {
  ms: number[];
  rssBeforeMb: number;
  peakRssMb: number;
  threads: number;
}

// Peak RSS of this process: VmHWM from /proc/self/status where there is one. Not getrusage's
// ru_maxrss: on Linux a spawned child starts from its parent's RSS at the fork (the value is
// kept across execve), so a child of a large parent would report the parent's size.
export function maxRssMb(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // no procfs: fall back to getrusage
  }
  return process.resourceUsage().maxRSS / 1024;   // KiB on Linux
}

function readFloats(file: string): Float32Array {
  const bytes = fs.readFileSync(file);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function split(flat: Float32Array, shapes: number[][]): Tensor[] {
  let at = 0;
  return shapes.map((shape) => {
    const n = shape.reduce((p, d) => p * d, 1);
    const t = Tensor.from(flat.slice(at, at + n), shape);
    at += n;
    return t;
  });
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: train-step-ours.js DIR (written by bench/train-step.ts)');
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'spec.json'), 'utf8')) as TrainSpec;
  setNumThreads(spec.threads);
  const model = await importOnnx(path.join(dir, 'model.onnx'));
  model.train();
  const { batch: b, imageSize: s } = spec;
  const x = Tensor.from(readFloats(path.join(dir, 'input.bin')), [b, 1, s, s]);
  const r = split(readFloats(path.join(dir, 'r.bin')), spec.outputShapes);
  const optimizer = new SGD(model.parameters(), { lr: spec.lr, momentum: spec.momentum });
  const step = (): void => {
    model.zeroGrad();
    const out = model.forward(x);
    let loss = ops.sum(ops.mul(out[OUTPUT_NAMES[0]], r[0]));
    for (let i = 1; i < OUTPUT_NAMES.length; i++) loss = ops.add(loss, ops.sum(ops.mul(out[OUTPUT_NAMES[i]], r[i])));
    loss.backward();
    optimizer.step();
    releaseGraph(loss);
  };
  const rssBeforeMb = maxRssMb();
  const ms: number[] = [];
  for (let k = 0; k < spec.warmup + spec.repeat; k++) {
    await settle();
    const t0 = process.hrtime.bigint();
    step();
    if (k >= spec.warmup) ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const result: StepTimes = { ms, rssBeforeMb, peakRssMb: maxRssMb(), threads: getNumThreads() };
  process.stdout.write(JSON.stringify(result));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exitCode = 1;
  });
}
