// Broken checkpoints, configs and ONNX files (issue 15, problems 4 and 8): bounded configs,
// strict config and safetensors parsing, an integrity checksum on exported ONNX models.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { CONFIG_BOUNDS, countParameters, resolveConfig, PRESETS } from '../lib/model/config';
import { Tensor } from '../lib/tensor';
import { decodeSafetensors, encodeSafetensors } from '../lib/train/safetensors';
import { exportOnnx, exportOnnxBytes } from '../lib/onnx/export';
import { readOnnxWeights } from '../lib/onnx/import';
import { OnnxPredictor } from '../lib/onnx/predict-onnx';
import { seededRandom } from './support/check';
import { loadModel, saveModel } from '../lib/train/model-checkpoint';
import { importOnnx } from '../lib/onnx/import';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-hostile-ckpt-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function savedWithConfig(name: string, edit: (c: Record<string, unknown>) => unknown): Promise<string> {
  const dir = path.join(tmp, name);
  await saveModel(FTMTLNet.create({ imageSize: 32, seed: 1 }), dir);
  const file = path.join(dir, 'config.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, JSON.stringify(edit(config)));
  return dir;
}

t.test('4: configs beyond the bounds fail before the model is built', async (t) => {
  const cases: Array<[string, (c: Record<string, unknown>) => unknown, string]> = [
    ['depth', (c) => ({ ...c, arch: { ...(c.arch as object), depth: 1e6 } }), 'Expected a positive integer of at most 16 for arch.depth but received 1000000'],
    ['size', (c) => ({ ...c, imageSize: 2 ** 20 }), 'Expected a positive integer of at most 8192 for imageSize but received 1048576'],
    ['width', (c) => ({ ...c, arch: { ...(c.arch as object), stem: 1e9 } }), 'Expected a positive integer of at most 4096 for arch.stem but received 1000000000'],
    ['classes', (c) => ({ ...c, numClasses: 5000, classNames: undefined }), 'Expected a positive integer of at most 1000 for numClasses but received 5000'],
  ];
  for (const [name, edit, message] of cases) {
    const dir = await savedWithConfig(name, edit);
    await t.rejects(loadModel(dir), { message: `${path.join(dir, 'config.json')} is not a valid FTMTLNet config: ${message}` }, name);
  }
  const wide = { cls: [4096, 4096, 4096, 4096], seg: [4096, 4096, 4096, 4096], depth: 16 };
  t.throws(() => FTMTLNet.create({ arch: wide as never }), { name: 'RangeError', message: /^Expected an architecture of at most 250000000 parameters for arch but received one of \d+ parameters/ });
});

t.test('the parameter count of a config matches the built model', async (t) => {
  for (const o of [{ preset: 'xs' as const }, { preset: 's' as const, transfer: 'none' as const, headStride: 4 as const, numClasses: 2 }, { arch: { depth: 3, headWidth: 24 } }]) {
    const model = FTMTLNet.create({ imageSize: 32, ...o });
    const c = model.config;
    const built = model.namedParameters().reduce((n, [, p]) => n + p.numel, 0);
    t.equal(countParameters(c.arch, c.transfer, c.headStride, c.numClasses), built, JSON.stringify(o));
  }
  const l = countParameters(PRESETS.l, 'full', 8, 3);
  t.ok(l < CONFIG_BOUNDS.parameters / 10, `the largest preset (${l} parameters) is far inside the bound`);
});

t.test('8: config.json of the wrong kind fails instead of loading defaults', async (t) => {
  const cases: Array<[string, (c: Record<string, unknown>) => unknown, string]> = [
    ['array', () => [], 'Expected an options object for options but received an array of length 0'],
    ['nullsize', (c) => ({ ...c, imageSize: null }), 'Expected a value (or no "imageSize" key for the default) for imageSize but received null'],
    ['nullarch', (c) => ({ ...c, arch: null }), 'Expected a value (or no "arch" key for the default) for arch but received null'],
    ['format', (c) => ({ ...c, format: 'keras-config' }), 'Expected "ftmtlnet-config" (or no format) for format but received "keras-config"'],
    ['version', (c) => ({ ...c, version: 99 }), 'Expected version 1 (this ftmtlnet reads config version 1 only) for version but received 99'],
    ['archarray', (c) => ({ ...c, arch: [1, 2] }), 'Expected an object of architecture overrides for arch but received an array of length 2'],
  ];
  for (const [name, edit, message] of cases) {
    const dir = await savedWithConfig(name, edit);
    await t.rejects(loadModel(dir), { message: `${path.join(dir, 'config.json')} is not a valid FTMTLNet config: ${message}` }, name);
  }
  t.same(resolveConfig({ preprocess: null }).preprocess, null, 'preprocess: null still means a plain resize');
});

t.test('8: safetensors data_offsets must tile the data in order', async (t) => {
  const good = encodeSafetensors({ a: Tensor.from(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]), b: Tensor.from(Float32Array.of(7), [1]) });
  const withHeader = (header: object, data: Buffer) => {
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const out = Buffer.alloc(8 + json.length);
    out.writeBigUInt64LE(BigInt(json.length), 0);
    out.write(json, 8);
    return Buffer.concat([out, data]);
  };
  const data = good.subarray(good.length - 28);
  const overlap = withHeader({ a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] }, b: { dtype: 'F32', shape: [1], data_offsets: [20, 24] } }, data.subarray(0, 24));
  t.throws(() => decodeSafetensors(overlap, 'overlap.safetensors'), {
    message: 'overlap.safetensors has a corrupt header: tensor b starts at data byte 20 but tensor a ends at 24 (overlapping data_offsets; they must be contiguous and in order)',
  });
  const gap = withHeader({ a: { dtype: 'F32', shape: [2, 3], data_offsets: [4, 28] } }, data);
  t.throws(() => decodeSafetensors(gap, 'gap.safetensors'), { message: /tensor a starts at data byte 4 but the data starts at 0 \(a gap between data_offsets/ });
  const tail = withHeader({ a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] } }, data);
  t.throws(() => decodeSafetensors(tail, 'tail.safetensors'), { message: 'tail.safetensors has 4 bytes after its last tensor (data_offsets must cover the data exactly)' });
  const swapped = withHeader({ b: { dtype: 'F32', shape: [1], data_offsets: [24, 28] }, a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] } }, data);
  t.same([...decodeSafetensors(swapped, 'ok').tensors.b.data], [7], 'header order does not matter, data order does');
  t.same([...decodeSafetensors(good, 'good').tensors.a.data], [1, 2, 3, 4, 5, 6]);
});

t.test('8: a bit flipped anywhere in an exported ONNX file is refused', async (t) => {
  const model = FTMTLNet.create({ imageSize: 32, seed: 3 });
  const bytes = exportOnnxBytes(model);
  t.equal(Buffer.compare(Buffer.from(exportOnnxBytes(model)), Buffer.from(bytes)), 0, 'export is deterministic');
  const rnd = seededRandom(15);
  let refused = 0;
  const accepted: number[] = [];
  for (let i = 0; i < 300; i++) {
    const bad = Uint8Array.from(bytes);
    const at = Math.floor(rnd() * bad.length);
    bad[at] ^= 1 << Math.floor(rnd() * 8);
    try { readOnnxWeights(bad, 'flipped.onnx'); accepted.push(at); } catch (e) {
      if (/^flipped\.onnx (is corrupt: its SHA-256 [0-9a-f]{64} does not match|has no ftmtlnet\.sha256 checksum|is not a readable ONNX model|has no ftmtlnet\.config|has malformed ftmtlnet\.config)/.test((e as Error).message)) refused++;
    }
  }
  t.same(accepted, [], 'no flipped copy is accepted');
  t.equal(refused, 300, 'each is refused with a message naming the file (most by the checksum)');
  const file = path.join(tmp, 'flip.onnx');
  const bad = Uint8Array.from(bytes); bad[bytes.length >> 1] ^= 4;
  fs.writeFileSync(file, bad);
  await t.rejects(importOnnx(file), { message: new RegExp(`^${file.replace(/[.]/g, '\\.')} is corrupt: its SHA-256`) });
  await t.rejects(OnnxPredictor.open(bad, { name: 'flip.onnx' }), { message: /^flip\.onnx is corrupt/ });
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 10));
  await t.rejects(importOnnx(file), { message: /is not a readable ONNX model|has no ftmtlnet\.sha256 checksum at its end: it was truncated or edited after export/ });
  const unsealed = bytes.subarray(0, bytes.length - 85);   // a valid model without the checksum entry
  await t.rejects(OnnxPredictor.open(unsealed, { name: 'old.onnx' }), { message: 'old.onnx has no ftmtlnet.sha256 checksum at its end: it was truncated or edited after export, or exported by an older ftmtlnet; re-export it from the checkpoint' });
  fs.writeFileSync(file, bytes);
  const back = await importOnnx(file);
  t.equal(Buffer.compare(Buffer.from(exportOnnxBytes(back)), Buffer.from(bytes)), 0, 'export -> import -> export gives identical bytes');
});

t.test('a temp file left by a killed ONNX export is removed by the next export', async (t) => {
  const dir = path.join(tmp, 'onnx-stale');
  fs.mkdirSync(dir);
  const stale = '.model.onnx.tmp-4194303-1700000000000';   // no such process (beyond pid_max of most systems)
  fs.writeFileSync(path.join(dir, stale), 'partial');
  await exportOnnx(FTMTLNet.create({ imageSize: 32, seed: 3 }), path.join(dir, 'model.onnx'));
  t.same(fs.readdirSync(dir), ['model.onnx']);
});
