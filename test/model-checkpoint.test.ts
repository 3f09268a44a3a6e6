import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { loadModel, saveModel } from '../lib/train/model-checkpoint';
import { Tensor } from '../lib/tensor';
import { noGrad } from '../lib/autograd';
import { decodeSafetensors, encodeSafetensors } from '../lib/train/safetensors';
import { seededRandom, randTensor } from './support/check';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-ckpt-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

function outputsOf(m: FTMTLNet, x: Tensor): Float32Array[] {
  m.eval();
  const o = noGrad(() => m.forward(x));
  return [o.class_logits, o.heatmap, o.size, o.offset, o.mask_logits].map((v) => v.toFloat32Array());
}

// A model whose BN running statistics are not the defaults (one training-mode forward).
function trainedModel(seed: number): FTMTLNet {
  const m = FTMTLNet.create({ imageSize: 32, seed, classNames: ['benign', 'malignant'] });
  noGrad(() => m.forward(randTensor(seededRandom(seed), [2, 1, 32, 32])));
  return m;
}

t.test('safetensors layout: LE header length, JSON header, aligned data', (t) => {
  const a = Tensor.from(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
  const b = Tensor.from(Float32Array.of(-1.5), [1]);
  const buf = encodeSafetensors({ a, b }, { note: 'x' });
  const n = Number(buf.readBigUInt64LE(0));
  t.equal((8 + n) % 8, 0, 'data starts 8-byte aligned');
  const header = JSON.parse(buf.subarray(8, 8 + n).toString());
  t.same(header, {
    __metadata__: { note: 'x' },
    a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
    b: { dtype: 'F32', shape: [1], data_offsets: [24, 28] },
  });
  t.equal(buf.length, 8 + n + 28);
  t.equal(buf.readFloatLE(8 + n + 20), 6);
  const back = decodeSafetensors(buf, 'mem');
  t.same([...back.tensors.a.data], [1, 2, 3, 4, 5, 6]);
  t.same([...back.tensors.b.shape], [1]);
  t.same(back.metadata, { note: 'x' });
  t.end();
});

t.test('stateDict round trip gives identical outputs', (t) => {
  const a = trainedModel(1);
  const b = FTMTLNet.create({ imageSize: 32, seed: 2, classNames: ['benign', 'malignant'] });
  const x = randTensor(seededRandom(9), [2, 1, 32, 32]);
  t.notSame(outputsOf(a, x)[0], outputsOf(b, x)[0]);
  const res = b.loadStateDict(a.stateDict());
  t.same(res, { missingKeys: [], unexpectedKeys: [] });
  t.same(outputsOf(b, x), outputsOf(a, x));
  const names = Object.keys(a.stateDict());
  t.ok(names.includes('stem.bn.running_mean') && names.includes('stem.bn.running_var'), 'buffers are in the state dict');
  t.equal(a.namedBuffers().length * 2 + a.namedParameters().length, names.length + a.namedBuffers().length);
  t.end();
});

t.test('loadStateDict names missing, unexpected and mis-shaped keys', (t) => {
  const m = FTMTLNet.create({ imageSize: 32, seed: 1 });
  const sd = { ...m.stateDict() };
  delete sd['cls.fc.bias'];
  sd['cls.extra'] = Tensor.zeros([2]);
  t.throws(() => m.loadStateDict(sd), { message: 'loadStateDict failed: missing keys: cls.fc.bias; unexpected keys: cls.extra' });
  t.same(m.loadStateDict(sd, { strict: false }), { missingKeys: ['cls.fc.bias'], unexpectedKeys: ['cls.extra'] });
  const bad = { ...m.stateDict(), 'stem.conv.weight': Tensor.zeros([8, 2, 3, 3]) };
  t.throws(() => m.loadStateDict(bad, { strict: false, source: 'w.safetensors' }), {
    message: 'loadStateDict from w.safetensors failed: stem.conv.weight has shape [8, 2, 3, 3] but the model expects [8, 1, 3, 3]',
  });
  t.end();
});

t.test('train() and eval() switch every module', (t) => {
  const m = FTMTLNet.create({ imageSize: 32 });
  t.ok(m.namedModules().every(([, x]) => x.training));
  m.eval();
  t.ok(m.namedModules().every(([, x]) => !x.training));
  m.train();
  t.ok(m.namedModules().every(([, x]) => x.training));
  t.end();
});

t.test('checkpoint round trip: save then load gives bit-identical outputs', async (t) => {
  const a = trainedModel(3);
  const dir = path.join(tmp, 'ck1');
  await saveModel(a, dir);
  t.same(fs.readdirSync(dir).sort(), ['config.json', 'weights.safetensors'], 'no temp files left');
  const b = await loadModel(dir);
  t.same(b.config, a.config);
  t.notOk(b.training, 'loaded models are in eval mode');
  const x = randTensor(seededRandom(4), [1, 1, 32, 32]);
  const oa = outputsOf(a, x), ob = outputsOf(b, x);
  oa.forEach((v, i) => t.ok(Buffer.from(v.buffer).equals(Buffer.from(ob[i].buffer)), `output ${i} bit-identical`));
  // Saving again over an existing checkpoint replaces it atomically.
  await saveModel(b, dir);
  t.same(fs.readdirSync(dir).sort(), ['config.json', 'weights.safetensors']);
});

t.test('truncated, corrupt and mismatched checkpoints throw naming the file and tensor', async (t) => {
  const a = trainedModel(5);
  const dir = path.join(tmp, 'ck2');
  await saveModel(a, dir);
  const wfile = path.join(dir, 'weights.safetensors');
  const good = fs.readFileSync(wfile);

  fs.writeFileSync(wfile, good.subarray(0, good.length - 100));
  const names = Object.keys(a.stateDict());
  const dataBytes = names.reduce((n, k) => n + a.stateDict()[k].numel * 4, 0);
  await t.rejects(loadModel(dir), {
    message: `${wfile} is truncated: tensor ${names[names.length - 1]} ends at byte ${dataBytes} of the data but the file holds ${dataBytes - 100} data bytes`,
  });
  fs.writeFileSync(wfile, good.subarray(0, 5));
  await t.rejects(loadModel(dir), { message: `${wfile} is truncated: 5 bytes, fewer than the 8-byte header length` });
  fs.writeFileSync(wfile, good.subarray(0, 40));
  await t.rejects(loadModel(dir), { message: /is truncated: the header needs \d+ bytes but only 32 follow$/ });

  const corrupt = Buffer.from(good);
  corrupt.write('#', 8);
  fs.writeFileSync(wfile, corrupt);
  await t.rejects(loadModel(dir), { message: new RegExp(`^${wfile.replace(/[.]/g, '\\.')} has a corrupt header: `) });

  fs.writeFileSync(wfile, good);
  const cfgFile = path.join(dir, 'config.json');
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, arch: { ...cfg.arch, stem: 16 } }));
  await t.rejects(loadModel(dir), {
    message: new RegExp(`^loadStateDict from ${wfile.replace(/[.]/g, '\\.')} failed: stem\\.conv\\.weight has shape \\[8, 1, 3, 3\\] but the model expects \\[16, 1, 3, 3\\]`),
  });
  fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, transfer: 'none' }));
  await t.rejects(loadModel(dir), { message: /failed: det\.stage1\.ft\.weight has shape \[16, 16, 3, 3\] but the model expects \[16, 8, 3, 3\]/ });
  fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, imageSize: 33 }));
  await t.rejects(loadModel(dir), { message: `${cfgFile} is not a valid FTMTLNet config: Expected a multiple of 32 for imageSize but received 33` });
  fs.rmSync(wfile);
  await t.rejects(loadModel(dir), { message: `the checkpoint has no weights file: ${wfile} does not exist` });
});
