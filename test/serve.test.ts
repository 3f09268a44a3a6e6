// The inference service through fastify.inject: KServe v2 routes, /v1/predict (JSON, DICOM
// multipart, overlay), the bearer token, 4xx answers naming what is wrong, the bounded queue's
// 503 + Retry-After, and /metrics. Answers are compared with predictions made in this thread.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { Tensor } from '../lib/tensor';
import { noGrad } from '../lib/autograd';
import { predictGray } from '../lib/model/predict-run';
import { loadPredictInput } from '../lib/model/predict-input';
import { predictionJson } from '../lib/results/prediction-json';
import { createService } from '../lib/serve/server';
import { decodeMultipart } from '../lib/serve/multipart';
import { DicomMessage, DicomMetaDictionary } from '../lib/results/dcmjs';
import { writeMammogram } from './support/mammogram-fixtures';
import { writeDicom } from './support/dicom-fixtures';
import { saveModel } from '../lib/train/model-checkpoint';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-serve-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const TOKEN = 'test-token-7f3a';
const auth = { authorization: `Bearer ${TOKEN}` };

t.test('service', async (t) => {
  const model = FTMTLNet.create({ imageSize: 32, seed: 4 }).eval();
  const ckpt = path.join(dir, 'ckpt');
  await saveModel(model, ckpt);
  const service = await createService({ modelDir: ckpt, token: TOKEN, workers: 1, threads: 1, maxQueue: 1, bodyLimit: 200_000, limits: { maxPixels: 40_000 } });
  t.teardown(() => service.close());
  await service.ready;
  const { app } = service;
  const mg = writeMammogram({ laterality: 'R', photometric: 'MONOCHROME1', bitsStored: 14 });
  const expected = async (bytes: Uint8Array, threshold = 0.3) => {
    const { image, laterality } = await loadPredictInput(bytes);
    return predictionJson(predictGray(model, image, { threshold }, laterality));
  };
  const predict = (body: Buffer, type = 'application/dicom', query = '', headers: Record<string, string> = auth) =>
    app.inject({ method: 'POST', url: `/v1/predict${query}`, headers: { ...headers, 'content-type': type }, payload: body });

  t.test('health is open; every other route needs the token', async (t) => {
    t.equal((await app.inject('/v2/health/live')).statusCode, 200);
    const ready = await app.inject('/v2/health/ready');
    t.same([ready.statusCode, ready.json()], [200, { ready: true }]);
    for (const url of ['/v2/models/ftmtlnet', '/metrics', '/v2']) {
      const r = await app.inject(url);
      t.equal(r.statusCode, 401, `${url} without a token`);
      t.equal(r.headers['www-authenticate'], 'Bearer');
      t.match(r.json().error, /no Authorization header/);
      const wrong = await app.inject({ url, headers: { authorization: 'Bearer nope' } });
      t.equal(wrong.statusCode, 401, `${url} with a wrong token`);
      t.match(wrong.json().error, /a wrong token/);
      t.equal((await app.inject({ url, headers: auth })).statusCode, 200, `${url} with the token`);
    }
    t.equal((await predict(mg.bytes, 'application/dicom', '', {})).statusCode, 401, 'predict without a token');
    for (const url of ['/v2/health/../../metrics', '/v2/health/%2e%2e/%2e%2e/metrics', '/v2/health/live/../../../metrics']) {
      t.not((await app.inject(url)).statusCode, 200, `${url} does not reach /metrics without the token`);
    }
  });

  t.test('model metadata', async (t) => {
    const m = (await app.inject({ url: '/v2/models/ftmtlnet', headers: auth })).json();
    t.same(m.inputs, [{ name: 'image', datatype: 'FP32', shape: [-1, 1, 32, 32] }]);
    t.same(m.outputs.map((o: { name: string }) => o.name), ['class_logits', 'heatmap', 'size', 'offset', 'mask_logits']);
    t.same(m.outputs[0].shape, [-1, 3]);
  });

  t.test('POST /v1/predict: the JSON of predict --json, for DICOM, PNG and PGM bodies', async (t) => {
    const r = await predict(mg.bytes);
    t.equal(r.statusCode, 200);
    const want = await expected(mg.bytes);
    const got = r.json();
    t.same(got.mask, want.mask);
    t.same(got.label, want.label);
    t.ok(got.probabilities.every((p: number, i: number) => Math.abs(p - want.probabilities[i]) < 1e-6), 'probabilities');
    t.equal(got.detections.length, want.detections.length);
    const gray = await sharp({ create: { width: 70, height: 50, channels: 3, background: { r: 90, g: 90, b: 90 } } }).grayscale().png().toBuffer();
    const png = await predict(gray, 'image/png', '?threshold=0');
    t.equal(png.statusCode, 200);
    t.same(png.json().mask, (await expected(gray, 0)).mask);
    const pgm = Buffer.concat([Buffer.from('P5\n4 3\n255\n'), Buffer.alloc(12, 128)]);
    const r3 = await predict(pgm, 'application/octet-stream');
    t.equal(r3.statusCode, 200);
    t.same([r3.json().mask.width, r3.json().mask.height], [4, 3]);
  });

  t.test('?format=dicom: SEG and SR as multipart/related; ?overlay=1: a PNG', async (t) => {
    const r = await predict(mg.bytes, 'application/dicom', '?format=dicom');
    t.equal(r.statusCode, 200);
    t.match(r.headers['content-type'], /^multipart\/related; type="application\/dicom"; boundary=/);
    const parts = decodeMultipart(String(r.headers['content-type']), r.rawPayload);
    t.same(parts.map((p) => [p.contentType, p.headers!['content-description']]), [['application/dicom', 'SEG'], ['application/dicom', 'SR']]);
    const [seg, sr] = parts.map((p) => {
      const ab = p.body.buffer.slice(p.body.byteOffset, p.body.byteOffset + p.body.byteLength) as ArrayBuffer;
      return DicomMetaDictionary.naturalizeDataset(DicomMessage.readFile(ab).dict);
    });
    t.same([seg.Modality, sr.Modality], ['SEG', 'SR']);
    t.same([seg.StudyInstanceUID, sr.StudyInstanceUID], [mg.uids.study, mg.uids.study]);
    const ov = await predict(mg.bytes, 'application/dicom', '?overlay=1');
    t.equal(ov.statusCode, 200);
    t.equal(ov.headers['content-type'], 'image/png');
    t.same([...ov.rawPayload.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    const notDicom = await predict(Buffer.from('P5\n1 1\n255\n\x00'), 'application/octet-stream', '?format=dicom');
    t.equal(notDicom.statusCode, 415);
    t.match(notDicom.json().error, /Expected a DICOM Part 10 file/);
  });

  t.test('4xx answers name what is wrong', async (t) => {
    const cases: [string, Awaited<ReturnType<typeof predict>>, number, RegExp][] = [
      ['corrupt DICOM', await predict(Buffer.concat([mg.bytes.subarray(0, 400)])), 400, /request body: .*(truncated|cannot|pixel data)/],
      ['not an image', await predict(Buffer.from('hello world'), 'image/png'), 400, /request body: cannot read image/],
      ['wrong Content-Type', await predict(Buffer.from('{}'), 'application/json'), 415, /Expected Content-Type application\/dicom, image\/png, application\/octet-stream/],
      ['text body', await predict(Buffer.from('x'), 'text/plain'), 415, /but received text\/plain/],
      ['empty body', await predict(Buffer.alloc(0)), 400, /empty body/],
      ['body over the limit', await predict(Buffer.alloc(300_000)), 413, /at most 200000 bytes/],
      ['too many pixels', await predict(await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 9, g: 9, b: 9 } } }).png().toBuffer(), 'image/png'), 413, /maxPixels/],
      ['bad threshold', await predict(mg.bytes, 'application/dicom', '?threshold=2'), 400, /threshold but received "2"/],
      ['bad format', await predict(mg.bytes, 'application/dicom', '?format=xml'), 400, /Expected json or dicom/],
      ['unsupported transfer syntax', await predict(writeDicom({ width: 4, height: 4, values: [], transferSyntax: '1.2.840.10008.1.2.4.100', encapsulated: [new Uint8Array(8)] })), 415, /1\.2\.840\.10008\.1\.2\.4\.100/],
    ];
    for (const [name, r, status, message] of cases) {
      t.equal(r.statusCode, status, `${name}: ${status}`);
      t.match(r.json().error, message, `${name}: ${r.json().error}`);
    }
  });

  t.test('KServe v2 infer: a tensor in, the five outputs out', async (t) => {
    const x = new Float32Array(2 * 32 * 32).map((_, i) => (i % 37) / 37);
    const r = await app.inject({ method: 'POST', url: '/v2/models/ftmtlnet/infer', headers: auth, payload: { id: 'r1', inputs: [{ name: 'image', shape: [2, 1, 32, 32], datatype: 'FP32', data: Array.from(x) }] } });
    t.equal(r.statusCode, 200);
    const body = r.json();
    t.equal(body.id, 'r1');
    const y = noGrad(() => model.forward(Tensor.from(x, [2, 1, 32, 32])));
    for (const o of body.outputs) {
      const ref = y[o.name as keyof typeof y];
      t.same(o.shape, ref.shape, `${o.name} shape`);
      let maxDiff = 0;
      for (let i = 0; i < ref.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(o.data[i] - ref.data[i]));
      t.ok(maxDiff <= 1e-4, `${o.name} equals the forward pass in this thread (max |d| ${maxDiff})`);
    }
    const bad = await app.inject({ method: 'POST', url: '/v2/models/ftmtlnet/infer', headers: auth, payload: { inputs: [{ name: 'image', shape: [1, 1, 16, 16], datatype: 'FP32', data: [] }] } });
    t.equal(bad.statusCode, 400);
    t.equal(bad.json().error, 'Expected [N, 1, 32, 32] for inputs[0].shape but received [1,1,16,16]');
    const nan = await app.inject({ method: 'POST', url: '/v2/models/ftmtlnet/infer', headers: auth, payload: { inputs: [{ name: 'image', shape: [1, 1, 32, 32], datatype: 'FP32', data: [...new Array(1023).fill(0), 'x'] }] } });
    t.equal(nan.json().error, 'Expected finite numbers for inputs[0].data but received "x" at index 1023');
  });

  t.test('a full queue answers 503 with Retry-After; every other request its own prediction', async (t) => {
    const bodies = Array.from({ length: 8 }, (_, i) => writeMammogram({ seed: 20 + i, laterality: i % 2 ? 'L' : 'R' }).bytes);
    const answers = await Promise.all(bodies.map((b) => predict(b)));
    const codes = answers.map((r) => r.statusCode);
    t.ok(codes.every((c) => c === 200 || c === 503), `only 200 and 503: ${codes.join(' ')}`);
    t.ok(codes.includes(503), 'some refused (1 worker, queue of 1, 8 at once)');
    t.ok(codes.includes(200), 'some answered');
    for (let i = 0; i < answers.length; i++) {
      const r = answers[i];
      if (r.statusCode === 503) {
        t.equal(r.headers['retry-after'], '1');
        t.match(r.json().error, /inference queue is full/);
      } else {
        t.same(r.json().mask, (await expected(bodies[i])).mask, `request ${i}: its own prediction`);
      }
    }
  });

  t.test('/metrics: requests, latency, queue, pool, inference time, memory', async (t) => {
    const text = (await app.inject({ url: '/metrics', headers: auth })).body;
    for (const name of ['ftmtlnet_http_requests_total{method="POST",route="/v1/predict",status="200"}', 'ftmtlnet_http_requests_total{method="POST",route="/v1/predict",status="503"}',
      'ftmtlnet_http_request_duration_seconds_bucket', 'ftmtlnet_inference_duration_seconds_count{kind="predict"}', 'ftmtlnet_inference_queue_depth 0',
      'ftmtlnet_inference_pool_size 1', 'ftmtlnet_rejected_total{reason="queue_full"}', 'ftmtlnet_process_resident_memory_bytes', 'ftmtlnet_nodejs_eventloop_lag_p99_seconds']) {
      t.ok(text.includes(name), name);
    }
  });
});

t.test('a corrupt checkpoint fails at start with the reader\'s message', async (t) => {
  const bad = path.join(dir, 'bad');
  await saveModel(FTMTLNet.create({ imageSize: 32, seed: 1 }), bad);
  const w = path.join(bad, 'weights.safetensors');
  fs.writeFileSync(w, fs.readFileSync(w).subarray(0, 1000));
  await t.rejects(createService({ modelDir: bad }), { message: /weights\.safetensors is truncated/ });
});
