// model.summary(): parameter count and FLOPs per image, per branch, measured by tracing one
// forward pass (batch 1, eval mode) and counting the multiply-adds of every conv2d,
// featureTransfer and linear op (FLOPs = 2 x MACs; BN, ReLU, pooling are not counted).
import { Tensor } from '../tensor';
import { noGrad } from '../autograd';
import { withTracer } from '../trace';
import type { Module } from '../nn/module';

export interface BranchSummary {
  parameters: number;
  flops: number;
}

export interface ModelSummary {
  imageSize: number;
  parameters: number;          // trainable parameters (buffers excluded)
  flops: number;               // per image, forward
  branches: Record<string, BranchSummary>;   // stem, seg, det, cls
  text: string;                // a printable table
}

const COUNTED = new Set(['conv2d', 'featureTransfer', 'linear']);

interface ForwardModule extends Module {
  forward(x: Tensor): unknown;
}

function branchOf(name: string): string {
  return name.split('.')[0];
}

export function summarize(model: ForwardModule, imageSize: number): ModelSummary {
  const named = model.namedParameters();
  const owner = new Map<Tensor, string>(named.map(([n, t]) => [t, n]));
  const branches: Record<string, BranchSummary> = {};
  const slot = (b: string) => (branches[b] ??= { parameters: 0, flops: 0 });
  for (const [name, t] of named) slot(branchOf(name)).parameters += t.numel;

  const wasTraining = model.training;
  model.eval();
  try {
    const x = Tensor.zeros([1, 1, imageSize, imageSize]);
    withTracer((op) => {
      if (!COUNTED.has(op.op)) return;
      const weight = op.inputs.find((t) => t !== null && owner.has(t) && (t.ndim === 2 || t.ndim === 4));
      if (!weight) return;
      const macsPerOutput = weight.numel / weight.shape[0];
      const outputs = op.outputs[0].numel;
      slot(branchOf(owner.get(weight)!)).flops += 2 * macsPerOutput * outputs;
    }, () => noGrad(() => model.forward(x)));
  } finally {
    model.train(wasTraining);
  }
  const parameters = named.reduce((n, [, t]) => n + t.numel, 0);
  const flops = Object.values(branches).reduce((n, b) => n + b.flops, 0);
  const rows = Object.entries(branches).map(
    ([b, s]) => `  ${b.padEnd(6)} ${String(s.parameters).padStart(10)}  ${(s.flops / 1e6).toFixed(1).padStart(10)}`,
  );
  const text = [
    `FTMTLNet at ${imageSize}x${imageSize}: ${parameters} parameters, ${(flops / 1e9).toFixed(3)} GFLOPs per image`,
    `  branch     params     MFLOPs`,
    ...rows,
  ].join('\n');
  return { imageSize, parameters, flops, branches, text };
}
