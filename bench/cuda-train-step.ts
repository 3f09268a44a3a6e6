// One FTMTLNet training step (forward, multi-task loss, backward, AdamW) on a chosen device,
// on seeded phantoms: used by `bench cuda` (batch 16, image 512) and by the CUDA-vs-CPU
// training-step test (small sizes). Also counts the step's FLOPs from a traced forward.
import { Tensor, Device } from '../lib/tensor';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { encodeTargets, BatchTargets } from '../lib/model/targets';
import { MultiTaskLoss, LossParts } from '../lib/model/multitask-loss';
import { AdamW } from '../lib/train/optimizers';
import { generatePhantoms, PHANTOM_CLASSES } from '../lib/data/phantom';
import { withTracer, TracedOp } from '../lib/trace';
import { noGrad } from '../lib/autograd';

export interface TrainStepOptions {
  batch: number;
  imageSize: number;
  device: Device;
  preset?: 'xs' | 's' | 'm' | 'l';
  seed?: number;
}

export interface TrainStepCase {
  model: FTMTLNet;
  run: () => LossParts;  // one step; returns the loss parts (read on the host)
  gflop: number;          // forward + backward FLOPs of the convolutions and linear layers
}

// 2 * MACs of the traced conv2d / featureTransfer / linear ops.
function forwardGflop(ops: TracedOp[]): number {
  let flop = 0;
  for (const op of ops) {
    if (op.op === 'conv2d' || op.op === 'featureTransfer') {
      const w = op.inputs[op.inputs.length - 2] ?? op.inputs[1];
      const y = op.outputs[0];
      if (!w) continue;
      const [k, c, r, s] = w.shape;
      const [n, , p, q] = y.shape;
      flop += 2 * n * k * p * q * c * r * s;
    } else if (op.op === 'linear') {
      const [n, inF] = op.inputs[0]!.shape;
      flop += 2 * n * inF * op.outputs[0].shape[1];
    }
  }
  return flop / 1e9;
}

function moveTargets(t: BatchTargets, device: Device): BatchTargets {
  return {
    ...t,
    heatmap: t.heatmap.to(device),
    size: t.size.to(device),
    offset: t.offset.to(device),
    regMask: t.regMask.to(device),
    mask: t.mask.to(device),
  };
}

export async function trainingStepCase(o: TrainStepOptions): Promise<TrainStepCase> {
  const S = o.imageSize;
  const model = FTMTLNet.create({ preset: o.preset ?? 's', imageSize: S, classNames: [...PHANTOM_CLASSES], seed: o.seed ?? 1 });
  model.to(o.device).train();
  const samples = generatePhantoms({ count: o.batch, size: S, seed: o.seed ?? 1 });
  const pixels = new Float32Array(o.batch * S * S);
  samples.forEach((s, n) => pixels.set(s.image.data, n * S * S));
  const x = Tensor.from(pixels, [o.batch, 1, S, S], { device: o.device });
  const targets = moveTargets(encodeTargets(samples, { classNames: model.classNames, imageSize: S, headStride: model.config.headStride }), o.device);
  const loss = new MultiTaskLoss();
  const optimizer = new AdamW(model.parameters(), { lr: 1e-4 });
  const traced: TracedOp[] = [];
  noGrad(() => withTracer((op) => traced.push(op), () => model.forward(x)));
  const gflop = 3 * forwardGflop(traced);  // backward = data + weight gradients, about 2x forward
  const run = (): LossParts => {
    model.zeroGrad();
    const { total, parts } = loss.compute(model.forward(x), targets);
    total.backward();
    optimizer.step();
    return parts;
  };
  return { model, run, gflop };
}
