import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { exportOnnx } from '../lib/onnx/export';
import { importOnnx } from '../lib/onnx/import';
import { MultiTaskLoss } from '../lib/model/multitask-loss';
import { encodeTargets } from '../lib/model/targets';
import { generatePhantoms } from '../lib/data/phantom';
import { AdamW } from '../lib/train/optimizers';
import { Tensor } from '../lib/tensor';
import { noGrad } from '../lib/autograd';
import { exportOnnxBytes, HEAD_NAMES } from '../lib/onnx/export';
import { decodeModel, onnx } from '../lib/onnx/graph-builder';
import { checkParity, formatParity } from '../lib/onnx/parity';
import { readOnnxWeights } from '../lib/onnx/import';
import { createOrtSession, runOrt } from '../lib/onnx/onnxruntime';

const SIZE = 64;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-onnx-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

function smallModel(seed = 3): FTMTLNet {
  return FTMTLNet.create({ preset: 'xs', imageSize: SIZE, numClasses: 3, seed });
}

// A few AdamW steps on phantoms, so weights and BN running statistics are not at init.
function trainedModel(): FTMTLNet {
  const model = smallModel(5);
  const samples = generatePhantoms({ count: 4, size: SIZE, seed: 11 });
  const images = new Float32Array(4 * SIZE * SIZE);
  samples.forEach((s, i) => images.set(s.image.data, i * SIZE * SIZE));
  const x = Tensor.from(images, [4, 1, SIZE, SIZE]);
  const targets = encodeTargets(samples, { classNames: model.classNames, imageSize: SIZE, headStride: model.config.headStride });
  const loss = new MultiTaskLoss();
  const opt = new AdamW(model.parameters(), { lr: 1e-2 });
  model.train();
  for (let step = 0; step < 3; step++) {
    opt.zeroGrad();
    loss.compute(model.forward(x), targets).total.backward();
    opt.step();
  }
  return model.eval();
}

t.test('the graph uses standard operators, names every head, and carries metadata', (t) => {
  const model = smallModel();
  const proto = decodeModel(exportOnnxBytes(model));
  const opTypes = new Set(proto.graph!.node!.map((n) => n.opType!));
  const allowed = new Set(['Conv', 'BatchNormalization', 'Relu', 'MaxPool', 'Resize', 'Concat', 'GlobalAveragePool', 'Gemm', 'Reshape', 'Identity']);
  t.same([...opTypes].filter((o) => !allowed.has(o)), [], 'only standard operators');
  t.ok(opTypes.has('Conv') && opTypes.has('Resize') && opTypes.has('Gemm'));
  t.same(proto.graph!.output!.map((o) => o.name), [...HEAD_NAMES]);
  t.equal(proto.graph!.input![0].type!.tensorType!.shape!.dim![0].dimParam, 'N', 'symbolic batch');
  t.equal(Number(proto.opsetImport![0].version), 17);
  t.equal(proto.producerName, 'ftmtlnet');
  const meta = Object.fromEntries(proto.metadataProps!.map((p) => [p.key, p.value]));
  t.same(JSON.parse(meta.class_names!), model.classNames);
  t.equal(meta.image_size, String(SIZE));
  t.ok(meta.normalisation && meta['ftmtlnet.version']);
  const initNames = new Set(proto.graph!.initializer!.map((i) => i.name));
  for (const [name] of model.namedParameters()) t.ok(initNames.has(name), `initializer ${name}`);
  t.ok(proto.graph!.initializer!.every((i) => i.dataType !== onnx.TensorProto.DataType.FLOAT || i.rawData!.length > 0));
  t.end();
});

t.test('parity with onnxruntime-node: random weights, batch 1 and 4', async (t) => {
  const report = await checkParity(smallModel(), { batchSizes: [1, 4] });
  t.comment(formatParity(report));
  t.equal(report.rows.length, 2 * HEAD_NAMES.length);
  for (const r of report.rows) t.ok(r.maxRel <= 1e-4, `${r.output} batch ${r.batch}: ${r.maxRel.toExponential(2)} relative`);
});

t.test('parity after training steps (non-trivial running statistics), random and phantom inputs', async (t) => {
  const model = trainedModel();
  const bn = model.namedBuffers().find(([n]) => n.endsWith('running_mean'))!;
  t.ok(bn[1].data.some((v) => v !== 0), 'running means moved');
  const phantom = generatePhantoms({ count: 1, size: SIZE, seed: 99 })[0];
  const report = await checkParity(model, { batchSizes: [1, 4], images: [{ name: phantom.id, data: phantom.image.data }] });
  t.comment(formatParity(report));
  for (const r of report.rows) t.ok(r.maxRel <= 1e-4, `${r.input} ${r.output} batch ${r.batch}: ${r.maxRel.toExponential(2)} relative`);
});

t.test('exportOnnx writes a file that runs at another batch size; fromOnnx round trip', async (t) => {
  const model = trainedModel();
  const file = path.join(tmp, 'model.onnx');
  await exportOnnx(model, file);
  t.notOk(fs.readdirSync(tmp).some((f) => f.includes('.tmp-')), 'no temp file left');
  const session = await createOrtSession(file);
  const x = new Float32Array(3 * SIZE * SIZE).map((_, i) => (i % 97) / 97);
  const ort = await runOrt(session, x, [3, 1, SIZE, SIZE]);
  t.same(ort.class_logits.dims, [3, 3]);
  t.same(ort.mask_logits.dims, [3, 1, SIZE, SIZE]);

  const back = await importOnnx(file);
  t.same(back.config, model.config, 'config from metadata');
  const input = Tensor.from(x, [3, 1, SIZE, SIZE]);
  const a = noGrad(() => model.forward(input));
  const b = noGrad(() => back.forward(input));
  for (const head of HEAD_NAMES) t.same([...b[head].data], [...a[head].data], `${head} identical after import`);
  const again = exportOnnxBytes(back);
  const first = exportOnnxBytes(model);
  t.equal(Buffer.compare(Buffer.from(again), Buffer.from(first)), 0, 'export -> import -> export gives the same bytes');
});

t.test('an untrained model exports; an opset that cannot express a layer names it', (t) => {
  const model = smallModel();
  t.ok(exportOnnxBytes(model, { opset: 13 }).length > 1000);
  t.throws(
    () => exportOnnxBytes(model, { opset: 10 }),
    /^ONNX export: the upsample2d feeding layer [\w.]+ uses upsample2d \(mode \w+\), which needs Resize with a coordinate transformation mode: opset 11 or newer, not 10$/,
  );
  t.throws(() => exportOnnxBytes(model, { opset: 30 }), new RangeError('Expected an opset from 9 to 18 for opset but received 30'));
  t.end();
});

t.test('reading back rejects files that are not ftmtlnet exports', (t) => {
  t.throws(() => readOnnxWeights(new Uint8Array([1, 2, 3, 4, 5]), 'junk.onnx'), /^junk.onnx is not a readable ONNX model/);
  const plain = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, graph: { name: 'g' } })).finish();
  t.throws(() => readOnnxWeights(plain, 'plain.onnx'), new Error('plain.onnx has no ftmtlnet.config metadata: only graphs exported by ftmtlnet can be read back into a model'));
  t.end();
});
