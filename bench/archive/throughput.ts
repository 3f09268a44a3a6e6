// `npm run bench -- archive`: images per second through the BullMQ queue with 1 and 2 worker
// processes, and through the Orthanc connector, each beside the peer that sets the ceiling: the
// same images predicted in one process in a plain loop (same model, same threads). Real
// redis-server and Orthanc on loopback; the workers and the connector are CLI processes.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { FTMTLNet } from '../../lib/model/ftmtlnet';
import { writeResults } from '../../lib/results/write-results';
import { openRedis } from '../../lib/queue/redis-connection';
import { submitImages } from '../../lib/queue/submit-jobs';
import { queueCounts } from '../../lib/queue/queue-counts';
import { OrthancClient } from '../../lib/orthanc/orthanc-client';
import { startOrthanc, startRedis } from './local-servers';
import { cliMain, mammogramSet } from '../../fuzz/archive-fault';
import { loadModel, saveModel } from '../../lib/train/model-checkpoint';
import { predictImage, closePredictor } from '../../lib/model/predictor';

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function spawnCli(args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cliMain(), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d) => { err += d; if (ready.test(err)) resolve(child); });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${err.slice(-2000)}`)));
  });
}

async function stop(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => new Promise((r) => { c.once('exit', r); c.kill('SIGTERM'); })));
}

export async function run(args: string[]): Promise<void> {
  const n = flag(args, '--images', 40);
  const side = flag(args, '--image-size', 512);
  const modelSize = flag(args, '--size', 128);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-bench-archive-'));
  const modelDir = path.join(tmp, 'model');
  await saveModel(FTMTLNet.create({ preset: 'xs', imageSize: modelSize, seed: 1 }), modelDir);
  const set = mammogramSet(n, '1.2.826.0.1.3680043.9.7.66', { width: side, height: Math.round(side * 1.25) });
  const inputs = path.join(tmp, 'inputs');
  fs.mkdirSync(inputs);
  const files = set.map((m, i) => { const f = path.join(inputs, `mg-${i}.dcm`); fs.writeFileSync(f, m.bytes); return f; });
  const cores = os.cpus().length;
  console.log(`archive throughput: ${n} MG DICOM images ${side}x${Math.round(side * 1.25)}, model preset xs at ${modelSize} px, ${cores} cores, load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);

  // Peer: one process, a plain loop over predictImage (decode + forward + decode of the heads).
  const model = await loadModel(modelDir);
  await predictImage(model, files[0]);
  let t0 = performance.now();
  for (const f of files) await predictImage(model, f);
  const direct = n / ((performance.now() - t0) / 1000);
  console.log(`  direct loop (peer)            ${direct.toFixed(2)} images/s (predictImage only)`);
  // Second peer: the same loop writing what a job writes (JSON + SEG + SR, atomic renames).
  t0 = performance.now();
  for (const f of files) await writeResults(path.join(tmp, 'direct-out'), f, await predictImage(model, f), { threshold: 0.3, uidSeed: 'bench' });
  const directWrite = n / ((performance.now() - t0) / 1000);
  await closePredictor(model);
  console.log(`  direct loop + results (peer)  ${directWrite.toFixed(2)} images/s (predictImage + writeResults)`);

  const redis = await startRedis();
  const rows: Record<string, number> = { direct, directWrite };
  try {
    for (const workers of [1, 2]) {
      const queue = `bench-${workers}`;
      const threads = String(Math.max(1, Math.floor(cores / workers)));
      const procs = await Promise.all(Array.from({ length: workers }, () =>
        spawnCli(['worker', '--redis', redis.url, '--queue', queue, '--model', modelDir, '--threads', threads], /worker ready/)));
      const connection = await openRedis(redis.url, { connectTimeoutMs: 5000 });
      const q = new Queue(queue, { connection });
      const out = path.join(tmp, `out-${workers}`);
      // Warm-up: one job per worker (starts its predict thread), then the timed batch.
      await submitImages(q, files.slice(0, workers), { out: path.join(tmp, `warm-${workers}`), threshold: 0.3, secondaryCapture: false, retry: { attempts: 1, backoffMs: 0 } });
      while ((await queueCounts(q)).completed < workers) await sleep(20);
      t0 = performance.now();
      await submitImages(q, files, { out, threshold: 0.3, secondaryCapture: false, retry: { attempts: 1, backoffMs: 0 } });
      for (;;) {
        const c = await queueCounts(q);
        if (c.completed + c.failed >= n + workers) { if (c.failed) throw new Error(`${c.failed} jobs failed`); break; }
        await sleep(20);
      }
      const rate = n / ((performance.now() - t0) / 1000);
      rows[`queue${workers}`] = rate;
      console.log(`  queue, ${workers} worker(s) x ${threads} thread(s)  ${rate.toFixed(2)} images/s (${(rate / directWrite).toFixed(2)}x the direct loop with results)`);
      await q.close(); connection.disconnect();
      await stop(procs);
    }
  } finally {
    await redis.stop();
  }

  const orthanc = await startOrthanc({ stableAge: 1 });
  try {
    const client = new OrthancClient({ url: orthanc.url });
    for (const m of set) await client.storeInstance(m.bytes);
    await sleep(2500);   // every study stable before the connector starts
    const state = path.join(tmp, 'orthanc-state.json');
    const conn = spawn(process.execPath, [cliMain(), 'orthanc', '--url', orthanc.url, '--model', modelDir, '--state', state, '--poll', '100'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const done: number[] = [];
    let err = '';
    conn.stderr!.on('data', (d) => {
      err += d;
      for (const line of String(d).split('\n')) if (/SEG \+ SR stored/.test(line)) done.push(performance.now());
    });
    const end = Date.now() + 600_000;
    while (done.length < n) {
      if (Date.now() > end || conn.exitCode !== null) throw new Error(`the connector did not finish: ${err.slice(-2000)}`);
      await sleep(20);
    }
    await stop([conn]);
    const rate = (n - 1) / ((done[n - 1] - done[0]) / 1000);
    rows.orthanc = rate;
    console.log(`  orthanc connector             ${rate.toFixed(2)} images/s (${(rate / directWrite).toFixed(2)}x the direct loop with results; fetch, predict, SEG + SR stored into Orthanc, state file fsynced per image)`);
  } finally {
    await orthanc.stop();
  }
  if (args.includes('--json')) console.log(JSON.stringify(rows));
  fs.rmSync(tmp, { recursive: true, force: true });
}
