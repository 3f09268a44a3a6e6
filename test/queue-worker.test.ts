// Batch inference over a real redis-server (started here on a random loopback port): submit,
// worker, queue; results identical to `predict --json`, DICOM SEG + SR for DICOM input, input
// errors failed at once with their reason, other errors retried with backoff, re-runs
// overwrite their own result; a worker process killed mid-job loses no job, and SIGTERM lets
// the job in hand finish and exits 0.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import sharp from 'sharp';
import { Queue } from 'bullmq';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { ModelPool } from '../lib/model/model-pool';
import { startPredictWorker } from '../lib/queue/run-predict-worker';
import { openRedis } from '../lib/queue/redis-connection';
import { waitForJobs } from '../lib/queue/submit-jobs';
import { predictJobId } from '../lib/queue/predict-job';
import { REDIS_SERVER, startRedis, type LocalServer } from '../bench/archive/local-servers';
import { writeMammogram } from './support/mammogram-fixtures';
import { runCli } from './support/run-cli';
import { DicomMessage, DicomMetaDictionary } from '../lib/results/dcmjs';
import { loadModel, saveModel } from '../lib/train/model-checkpoint';

const DIST_MAIN = path.join(__dirname, '..', 'dist', 'lib', 'cli', 'main.js');
const skip = REDIS_SERVER ? false : 'redis-server is not installed (Debian package redis-server; .ci/run installs it)';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-queue-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

let redis: LocalServer;
const modelDir = path.join(dir, 'model');
t.before(async () => {
  if (skip) return;
  redis = await startRedis();
  await saveModel(FTMTLNet.create({ imageSize: 32, seed: 4 }), modelDir);
});
t.teardown(async () => { await redis?.stop(); });

function uids(bytes: Buffer): string[] {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const ds = DicomMetaDictionary.naturalizeDataset(DicomMessage.readFile(ab).dict);
  return [ds.SeriesInstanceUID as string, ds.SOPInstanceUID as string];
}

async function pngBytes(seed: number): Promise<Buffer> {
  const w = 40, h = 48, px = Buffer.alloc(w * h);
  for (let i = 0; i < px.length; i++) px[i] = (i * 37 + seed * 101) % 251;
  return sharp(px, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();
}

t.test('submit, worker, queue: results equal predict --json, DICOM objects, failures kept with reasons', { skip }, async (t) => {
  const inputs = path.join(dir, 'inputs');
  fs.mkdirSync(path.join(inputs, 'nested'), { recursive: true });
  fs.writeFileSync(path.join(inputs, 'left-cc.dcm'), writeMammogram({ seed: 1, laterality: 'L' }).bytes);
  fs.writeFileSync(path.join(inputs, 'nested', 'right-mlo.dcm'), writeMammogram({ seed: 2, laterality: 'R', view: 'MLO', photometric: 'MONOCHROME1' }).bytes);
  fs.writeFileSync(path.join(inputs, 'plain.png'), await pngBytes(1));
  const bad = Buffer.alloc(200); bad.write('DICM', 128);
  fs.writeFileSync(path.join(inputs, 'corrupt.dcm'), bad);
  fs.writeFileSync(path.join(inputs, 'notes.txt'), 'not an image');
  const out = path.join(dir, 'results');
  const queue = `q-${Date.now()}`;

  const sub = await runCli('submit', '--redis', redis.url, '--queue', queue, '--out', out, '--attempts', '2', '--backoff', '50', inputs);
  t.equal(sub.code, 0, sub.stderr);
  t.match(sub.stdout, /^queued 4 image\(s\) on q-/, 'one job per image (folders searched recursively, non-images left out)');
  const again = await runCli('submit', '--redis', redis.url, '--queue', queue, '--out', out, inputs);
  t.match(again.stdout, /queued 0 image\(s\), 4 already queued/, 'submitting again while queued adds nothing');

  const waiting = JSON.parse((await runCli('queue', '--redis', redis.url, '--queue', queue, '--json')).stdout);
  t.same({ ...waiting, failedJobs: undefined }, { waiting: 4, active: 0, completed: 0, failed: 0, delayed: 0, failedJobs: undefined }, 'queue --json before any worker');

  const model = await loadModel(modelDir);
  const lines: string[] = [];
  const worker = await startPredictWorker({ redis: redis.url, queue, pool: ModelPool.of([model]), log: (l) => lines.push(l) });
  const connection = await openRedis(redis.url, { connectTimeoutMs: 5000 });
  const q = new Queue(queue, { connection });
  const files = ['left-cc.dcm', 'nested/right-mlo.dcm', 'plain.png', 'corrupt.dcm'].map((f) => path.join(inputs, f));
  const done = await waitForJobs(q, files.map((file) => predictJobId({ file, out })), () => {}, 100);
  t.equal(done.completed, 3, 'three images done');
  t.equal(done.failed.length, 1, 'the corrupt one failed');
  t.match(done.failed[0], { file: path.join(inputs, 'corrupt.dcm'), reason: /corrupt\.dcm/ }, 'its reason names the file');

  for (const f of files.slice(0, 3)) {
    const stem = path.basename(f).replace(/\.(dcm|png)$/, '');
    const expected = (await runCli('predict', '--json', '--model', modelDir, f)).stdout;
    t.equal(fs.readFileSync(path.join(out, `${stem}.json`), 'utf8'), expected, `${stem}.json is exactly what predict --json prints`);
  }
  t.same(fs.readdirSync(out).sort(), ['left-cc.json', 'left-cc.seg.dcm', 'left-cc.sr.dcm', 'plain.json', 'right-mlo.json', 'right-mlo.seg.dcm', 'right-mlo.sr.dcm'],
    'SEG and SR for the DICOM inputs, JSON for all, nothing else (no temporary files)');

  const text = await runCli('queue', '--redis', redis.url, '--queue', queue);
  t.match(text.stdout, /waiting: 0\nactive: 0\ncompleted: 3\nfailed: 1\ndelayed: 0\nfailed after 1 try: .*corrupt\.dcm: .*corrupt\.dcm/, 'queue lists counts and the failed job, which was not retried (input error)');

  // A run that cannot write its results (the results "folder" is a file) is retried, then kept as failed.
  const blocked = path.join(dir, 'blocked');
  fs.writeFileSync(blocked, 'a file where the results folder should be');
  await runCli('submit', '--redis', redis.url, '--queue', queue, '--out', blocked, '--attempts', '3', '--backoff', '20', path.join(inputs, 'plain.png'));
  const failed = await waitForJobs(q, [predictJobId({ file: path.join(inputs, 'plain.png'), out: blocked })], () => {}, 100);
  t.match(failed.failed[0]?.reason, /EEXIST|ENOTDIR/, 'failed with the file system reason');
  const job = await q.getJob(predictJobId({ file: path.join(inputs, 'plain.png'), out: blocked }));
  t.equal(job?.attemptsMade, 3, 'tried three times (with backoff) before failing');
  t.ok(lines.some((l) => /will retry/.test(l)), 'the worker says it will retry');

  // A finished image submitted again runs again and overwrites its own results (same UIDs).
  const segBefore = fs.readFileSync(path.join(out, 'left-cc.seg.dcm'));
  const rerun = await runCli('submit', '--redis', redis.url, '--queue', queue, '--out', out, path.join(inputs, 'left-cc.dcm'), '--wait');
  t.equal(rerun.code, 0, rerun.stderr);
  t.match(rerun.stdout, /queued 1 image\(s\)[\s\S]*completed 1, failed 0/, 'submit --wait reports the finished jobs');
  t.equal(fs.readdirSync(out).length, 7, 'no duplicate result files');
  const segAfter = fs.readFileSync(path.join(out, 'left-cc.seg.dcm'));
  t.same(uids(segAfter), uids(segBefore), 'the re-run SEG has the same series and instance UIDs');

  await t.rejects(runCli('submit', '--redis', redis.url, '--out', out, path.join(dir, 'nope')), /Expected an image file or a folder for .*nope but it does not exist/);
  await t.rejects(openRedis('redis://127.0.0.1:1', { connectTimeoutMs: 300 }), /cannot reach Redis at redis:\/\/127\.0\.0\.1:1 within 0\.3 s/);
  await t.rejects(runCli('queue', '--redis', 'http://127.0.0.1:1'), /Expected a redis:\/\/ or rediss:\/\/ URL for --redis but received "http:\/\/127\.0\.0\.1:1"/);
  await q.close(); connection.disconnect();
  await worker.close();
});

function spawnWorker(queue: string, lines: string[]): ChildProcess {
  const child = spawn(process.execPath, [DIST_MAIN, 'worker', '--redis', redis.url, '--queue', queue, '--model', modelDir,
    '--lock-duration', '1000', '--stalled-interval', '500', '--threads', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d) => lines.push(...String(d).split('\n').filter(Boolean)));
  return child;
}

async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The job reads its image from a named pipe, so it stays in hand until the test writes the image.
t.test('worker processes: SIGKILL mid-job loses nothing, SIGTERM finishes the job in hand and exits 0', { skip: skip || (!fs.existsSync(DIST_MAIN) ? 'dist/ not built (npm run build:ts)' : false) }, async (t) => {
  const fifo = path.join(dir, 'slow.png');
  t.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  const out = path.join(dir, 'results-kill');
  const queue = `kill-${Date.now()}`;
  await runCli('submit', '--redis', redis.url, '--queue', queue, '--out', out, fifo);

  const aLines: string[] = [];
  const a = spawnWorker(queue, aLines);
  await until('worker A to start the job', () => aLines.some((l) => l.includes(`start ${fifo}`)));
  a.kill('SIGKILL');
  await new Promise((r) => a.once('exit', r));

  const bLines: string[] = [];
  const b = spawnWorker(queue, bLines);
  await until('worker B to take the stalled job back', () => bLines.some((l) => l.includes(`start ${fifo}`)));
  const exited = new Promise<number | null>((r) => b.once('exit', (code) => r(code)));
  b.kill('SIGTERM');
  await until('worker B to acknowledge SIGTERM', () => bLines.some((l) => l.includes('SIGTERM: finishing')));
  await fs.promises.writeFile(fifo, await pngBytes(3));
  t.equal(await exited, 0, 'worker B exits 0 after finishing the job');
  t.ok(bLines.some((l) => l.startsWith('done') || l.includes(' done ')), 'worker B finished the job');
  const counts = JSON.parse((await runCli('queue', '--redis', redis.url, '--queue', queue, '--json')).stdout);
  t.match(counts, { waiting: 0, active: 0, completed: 1, failed: 0, delayed: 0 }, 'the killed job completed, once');
  t.ok(fs.existsSync(path.join(out, 'slow.json')), 'its result is there');
});
