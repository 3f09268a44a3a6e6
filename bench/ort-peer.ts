// The benchmark peer: one-node (or two-node) ONNX models run by onnxruntime-node with the
// same thread count as ours, loaded lazily so the rest of the bench runs without it.
import { GraphBuilder } from '../lib/onnx/graph-builder';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ort = any;

let ortModule: Ort | null | undefined;

export function loadOrt(): Ort | null {
  if (ortModule !== undefined) return ortModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ortModule = require('onnxruntime-node');
  } catch (err) {
    console.error(`onnxruntime-node is not installed (${(err as Error).message.split('\n')[0]}); ` +
      'the peer column is left empty. Install it with `npm install --no-save onnxruntime-node`.');
    ortModule = null;
  }
  return ortModule;
}

export interface PeerRun {
  run(): Promise<void>;
  release(): Promise<void>;
}

export interface ConvPeerSpec {
  inputs: { shape: number[] }[];   // several inputs are concatenated along channels first
  weight: { shape: number[]; data: Float32Array };
  bias: Float32Array | null;
  stride: [number, number];
  padding: [number, number];
}

async function session(ort: Ort, model: Uint8Array, threads: number): Promise<Ort> {
  return ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

function randomFeed(ort: Ort, shape: number[]): Ort {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i * 0.37);
  return new ort.Tensor('float32', data, shape);
}

// Conv (after a Concat when there are several inputs).
export async function convPeer(spec: ConvPeerSpec, threads: number): Promise<PeerRun | null> {
  const ort = loadOrt();
  if (!ort) return null;
  const g = new GraphBuilder();
  const names = spec.inputs.map((inp, i) => {
    const name = `x${i}`;
    g.addInput(name, inp.shape);
    return name;
  });
  let x = names[0];
  if (names.length > 1) {
    x = g.fresh('cat');
    g.addNode('Concat', names, [x], { axis: 1 });
  }
  const w = g.addInitializer('w', spec.weight.shape, spec.weight.data);
  const convInputs = [x, w];
  if (spec.bias) convInputs.push(g.addInitializer('b', [spec.bias.length], spec.bias));
  const [ph, pw] = spec.padding;
  g.addNode('Conv', convInputs, ['y'], {
    kernel_shape: spec.weight.shape.slice(2),
    strides: spec.stride,
    pads: [ph, pw, ph, pw],
    dilations: [1, 1],
    group: 1,
  });
  const [n, , h, wd] = spec.inputs[0].shape;
  const P = Math.floor((h + 2 * ph - spec.weight.shape[2]) / spec.stride[0]) + 1;
  const Q = Math.floor((wd + 2 * pw - spec.weight.shape[3]) / spec.stride[1]) + 1;
  g.addOutput('y', [n, spec.weight.shape[0], P, Q]);
  const model = g.toModel({ opset: 17, producerName: 'ftmtlnet-bench', producerVersion: '0', graphName: 'conv' });
  const s = await session(ort, model, threads);
  const feeds: Record<string, Ort> = {};
  spec.inputs.forEach((inp, i) => (feeds[names[i]] = randomFeed(ort, inp.shape)));
  return { run: async () => { await s.run(feeds); }, release: async () => s.release() };
}

// Gemm with transB = 1: y = x w^T + b (torch linear).
export async function linearPeer(n: number, inF: number, w: Float32Array, b: Float32Array, threads: number): Promise<PeerRun | null> {
  const ort = loadOrt();
  if (!ort) return null;
  const outF = b.length;
  const g = new GraphBuilder();
  g.addInput('x', [n, inF]);
  const wn = g.addInitializer('w', [outF, inF], w);
  const bn = g.addInitializer('b', [outF], b);
  g.addNode('Gemm', ['x', wn, bn], ['y'], { transB: 1 });
  g.addOutput('y', [n, outF]);
  const model = g.toModel({ opset: 17, producerName: 'ftmtlnet-bench', producerVersion: '0', graphName: 'linear' });
  const s = await session(ort, model, threads);
  const feeds = { x: randomFeed(ort, [n, inF]) };
  return { run: async () => { await s.run(feeds); }, release: async () => s.release() };
}
