// The PyTorch peer of `bench train` rebuilds the exported graph from graph.json + weights.bin
// (bench/onnx_torch.py): its eval outputs must match ours, and one training step must run.
// Skips with the reason when no python3 can import torch.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { exportOnnxBytes } from '../lib/onnx/export';
import { writeGraphJson } from '../bench/onnx-graph-json';
import { prepareTrainBench, runTorchParity, runTorchTrain } from '../bench/train-step';
import { findTorchPython } from '../bench/torch-peer';

const py = findTorchPython();
const skip = 'error' in py ? py.error : false;

t.test('graph.json lists every node and initializer of the exported graph', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftmtlnet-graph-json-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const model = FTMTLNet.create({ preset: 'xs', imageSize: 64, seed: 2 });
  const graph = writeGraphJson(exportOnnxBytes(model), dir);
  t.same(graph.outputs, ['class_logits', 'heatmap', 'size', 'offset', 'mask_logits']);
  const ops = new Set(graph.nodes.map((n) => n.op));
  for (const op of ['Conv', 'BatchNormalization', 'Relu', 'Concat', 'Resize', 'Gemm']) t.ok(ops.has(op), `has ${op}`);
  const names = new Set(graph.floats.map((f) => f.name));
  for (const [name] of model.namedParameters()) t.ok(names.has(name), `initializer ${name}`);
  const floats = graph.floats.reduce((n, f) => n + f.length, 0);
  t.equal(fs.statSync(path.join(dir, 'weights.bin')).size, floats * 4, 'weights.bin holds every float initializer');
  const [firstName, first] = model.namedParameters()[0];
  const stem = graph.floats.find((f) => f.name === firstName)!;
  const bytes = fs.readFileSync(path.join(dir, 'weights.bin'));
  const stored = new Float32Array(bytes.buffer.slice(bytes.byteOffset + stem.offset * 4, bytes.byteOffset + (stem.offset + stem.length) * 4));
  t.same([...stored], [...(first.data as Float32Array)], `${firstName} is stored unchanged`);
});

t.test('PyTorch rebuilt from the exported graph: same eval outputs, a training step runs', { skip }, async (t) => {
  if ('error' in py) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftmtlnet-torch-peer-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  prepareTrainBench(dir, { preset: 'xs', size: 64, batch: 2, threads: 1, repeat: 1, warmup: 0 });
  const diff = runTorchParity(py.python, dir, 1);
  t.same(Object.keys(diff), ['class_logits', 'heatmap', 'size', 'offset', 'mask_logits']);
  for (const [name, d] of Object.entries(diff)) t.ok(d < 1e-4, `${name}: max |torch - ours| ${d} < 1e-4`);
  const train = runTorchTrain(py.python, dir, 1, 1, 0);
  t.equal(train.ms.length, 1, 'one timed step');
  t.ok(train.peakRssMb >= train.rssBeforeMb && train.rssBeforeMb > 0, 'peak RSS reported');
});
