// Profiles FTMTLNet steps kernel by kernel: an inference forward (eval, no tape), or the
// training step `npm run bench -- train` times (forward in train mode, backward of
// sum_i sum(out_i * r_i) over the five outputs with fixed random r_i, SGD with momentum, the
// graph released). Warm-up steps run unprofiled; the profiled steps are averaged.
import { Tensor } from '../tensor';
import * as ops from '../ops/index';
import { noGrad, releaseGraph } from '../autograd';
import { FTMTLNet, OUTPUT_NAMES, type FTMTLNetOutputs } from '../model/ftmtlnet';
import type { Preset } from '../model/config';
import { SGD } from '../train/optimizers';
import { Rng } from '../random';
import { getNumThreads, setNumThreads } from '../capabilities';
import { expectInt } from '../errors';
import { KernelTimer, Phase } from './kernel-timer';
import { summarizeProfile, ProfileReport, StepMarks } from './profile-report';
import { chromeTrace, TraceEvent } from './chrome-trace';

export interface ProfileOptions {
  model?: FTMTLNet;        // profile this model (a training profile updates its weights); else a seeded one
  preset?: Preset;         // of the seeded model (default 's')
  imageSize?: number;      // of the seeded model (default 512)
  batch?: number;          // default 4
  train?: boolean;         // the training step instead of an inference forward
  threads?: number;        // CPU threads (default: as set)
  warmup?: number;         // unprofiled steps first (default 2)
  steps?: number;          // profiled steps, averaged (default 3)
}

export interface StepProfile {
  report: ProfileReport;
  trace: TraceEvent[];     // Chrome trace event format (chrome://tracing, Perfetto)
}

// Pseudo-random pixels in [0, 1), the same as the forward and train benches use.
function benchInput(batch: number, size: number): Tensor {
  const data = new Float32Array(batch * size * size).map((_, i) => ((i * 2654435761) % 1000) / 1000);
  return Tensor.from(data, [batch, 1, size, size]);
}

export function profileStep(options: ProfileOptions = {}): StepProfile {
  const batch = expectInt(options.batch ?? 4, 'batch', 1, 4096);
  const warmup = expectInt(options.warmup ?? 2, 'warmup', 0, 1000);
  const steps = expectInt(options.steps ?? 3, 'steps', 1, 1000);
  if (options.threads !== undefined) setNumThreads(options.threads);
  const model = options.model ?? FTMTLNet.create({ preset: options.preset ?? 's', imageSize: options.imageSize ?? 512, seed: 1 });
  const train = options.train ?? false;
  const S = model.config.imageSize;
  const x = benchInput(batch, S);
  const wasTraining = model.training;
  if (train) model.train();
  else model.eval();
  const optimizer = train ? new SGD(model.parameters(), { lr: 1e-3, momentum: 0.9 }) : null;
  const rng = new Rng(7);
  let r: Tensor[] | null = null;
  const weights = (out: FTMTLNetOutputs): Tensor[] =>
    (r ??= OUTPUT_NAMES.map((name) => Tensor.from(new Float32Array(out[name].numel).map(() => rng.normal()), out[name].shape)));

  const runStep = (timer: KernelTimer | null): StepMarks => {
    const inPhase = <T>(phase: Phase, fn: () => T): T => (timer ? timer.inPhase(phase, fn) : fn());
    const start = performance.now();
    if (optimizer) {
      model.zeroGrad();
      const loss = inPhase('forward', () => {
        const out = model.forward(x);
        const rs = weights(out);
        let total = ops.sum(ops.mul(out[OUTPUT_NAMES[0]], rs[0]));
        for (let i = 1; i < OUTPUT_NAMES.length; i++) total = ops.add(total, ops.sum(ops.mul(out[OUTPUT_NAMES[i]], rs[i])));
        return total;
      });
      const forwardEnd = performance.now();
      inPhase('backward', () => loss.backward());
      const backwardEnd = performance.now();
      inPhase('update', () => {
        optimizer.step();
        releaseGraph(loss);
      });
      return { start, forwardEnd, backwardEnd, end: performance.now() };
    }
    const out = inPhase('forward', () => noGrad(() => model.forward(x)));
    const forwardEnd = performance.now();
    for (const name of OUTPUT_NAMES) out[name].dispose();
    const end = performance.now();
    return { start, forwardEnd, backwardEnd: forwardEnd, end };
  };

  try {
    for (let k = 0; k < warmup; k++) runStep(null);
    const timer = new KernelTimer();
    const marks: StepMarks[] = [];
    timer.start();
    try {
      for (let k = 0; k < steps; k++) marks.push(runStep(timer));
    } finally {
      timer.stop();
    }
    const report = summarizeProfile(timer.events, marks, {
      preset: model.config.preset, imageSize: S, batch, mode: train ? 'train' : 'inference', threads: getNumThreads(),
    });
    return { report, trace: chromeTrace(timer.events, marks) };
  } finally {
    model.train(wasTraining);
  }
}
