// `npm run bench -- serve`: a bounded load test of `ftmtlnet serve` on loopback. The service runs
// as its own process (dist/lib/cli/main.js); this process only sends requests. For each
// concurrency level: N requests over K distinct MG DICOM images, throughput, latency
// p50/p95/p99, the number of 503s, the service's RSS before and after and its event-loop delay
// p99 (perf_hooks, through prom-client's /metrics). Every 200 must equal the single prediction of
// the same image made before the load (same JSON, byte for byte): nothing lost or mixed up.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { predictGray } from '../lib/model/predict-run';
import { loadPredictInput } from '../lib/model/predict-input';
import { phantomDicom } from './serve-inputs';
import { loadModel, saveModel } from '../lib/train/model-checkpoint';

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

interface Row {
  concurrency: number; requests: number; ok: number; rejected503: number; failed: number; mismatched: number;
  seconds: number; throughput: number; p50: number; p95: number; p99: number;
  rssBeforeMB: number; rssAfterMB: number; eventLoopP99ms: number;
}

const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);

async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

async function startService(modelDir: string, extra: string[]): Promise<{ child: ChildProcess; base: string }> {
  const main = path.join(__dirname, '..', 'lib', 'cli', 'main.js');
  const child = spawn(process.execPath, [main, 'serve', '--model', modelDir, '--port', '0', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const base = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
  return { child, base };
}

export async function run(args: string[]): Promise<void> {
  const requests = Number(flag(args, '--requests') ?? 500);
  const levels = (flag(args, '--concurrency') ?? '1,8,32').split(',').map(Number);
  const distinct = Number(flag(args, '--images') ?? 16);
  const imageSide = Number(flag(args, '--image-size') ?? 512);
  const workers = flag(args, '--workers') ?? '1';
  const maxQueue = flag(args, '--max-queue') ?? '16';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-bench-serve-'));
  let modelDir = flag(args, '--model');
  if (!modelDir) {
    modelDir = path.join(tmp, 'model');
    await saveModel(FTMTLNet.create({ preset: 'xs', imageSize: Number(flag(args, '--size') ?? 128), seed: 1 }), modelDir);
  }
  const model = await loadModel(modelDir);
  const threads = flag(args, '--threads');
  const { child, base } = await startService(modelDir, ['--workers', workers, '--max-queue', maxQueue, ...(threads ? ['--threads', threads] : [])]);
  try {
    const bodies = Array.from({ length: distinct }, (_, i) => Buffer.from(phantomDicom(i, imageSide)));
    const send = async (i: number) => {
      const t0 = performance.now();
      const r = await fetch(`${base}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/dicom' }, body: bodies[i] });
      const text = await r.text();
      return { status: r.status, text, ms: performance.now() - t0 };
    };
    // Single predictions, one at a time: the reference for every answer under load; each is
    // also checked against the same prediction made in this process.
    const reference: string[] = [];
    let worstProbDiff = 0;
    for (let i = 0; i < distinct; i++) {
      const r = await send(i);
      if (r.status !== 200) throw new Error(`reference prediction ${i} failed: ${r.status} ${r.text}`);
      reference.push(r.text);
      const { image, laterality } = await loadPredictInput(bodies[i]);
      const local = predictGray(model, image, { threshold: 0.3 }, laterality);
      const served = JSON.parse(r.text);
      for (let k = 0; k < local.probabilities.length; k++) worstProbDiff = Math.max(worstProbDiff, Math.abs(local.probabilities[k] - served.probabilities[k]));
      let area = 0;
      for (const v of local.mask.data) area += v;
      if (served.mask.area !== area) throw new Error(`image ${i}: served mask area ${served.mask.area} != local ${area}`);
    }
    const rows: Row[] = [];
    for (const concurrency of levels) {
      await metric(base, 'ftmtlnet_nodejs_eventloop_lag_p99_seconds');   // resets the delay histogram
      const rssBefore = await metric(base, 'ftmtlnet_process_resident_memory_bytes');
      const latencies: number[] = [];
      let next = 0, ok = 0, r503 = 0, failed = 0, mismatched = 0;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < requests) {
          const k = next++;
          const i = k % distinct;
          const r = await send(i).catch((e: Error) => ({ status: -1, text: e.message, ms: 0 }));
          if (r.status === 200) {
            ok++;
            latencies.push(r.ms);
            if (r.text !== reference[i]) mismatched++;
          } else if (r.status === 503) r503++;
          else failed++;
        }
      }));
      const seconds = (performance.now() - t0) / 1000;
      const eventLoopP99 = await metric(base, 'ftmtlnet_nodejs_eventloop_lag_p99_seconds');
      const rssAfter = await metric(base, 'ftmtlnet_process_resident_memory_bytes');
      rows.push({
        concurrency, requests, ok, rejected503: r503, failed, mismatched, seconds, throughput: ok / seconds,
        p50: pct(latencies, 50), p95: pct(latencies, 95), p99: pct(latencies, 99),
        rssBeforeMB: rssBefore / 2 ** 20, rssAfterMB: rssAfter / 2 ** 20, eventLoopP99ms: eventLoopP99 * 1000,
      });
    }
    const cfg = model.config;
    console.log(`ftmtlnet serve load test: model ${cfg.preset} ${cfg.imageSize}px, ${workers} worker(s), queue ${maxQueue}; ${distinct} distinct ${imageSide}x${imageSide} MG DICOM bodies (${bodies[0].length} bytes); loopback; ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the end`);
    console.log(`reference: ${distinct} single predictions; served vs in-process probabilities max |d| = ${worstProbDiff.toExponential(2)}`);
    console.log('| concurrency | requests | 200 | 503 | other | mismatched | req/s | p50 ms | p95 ms | p99 ms | RSS before MB | RSS after MB | event-loop p99 ms |');
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(`| ${r.concurrency} | ${r.requests} | ${r.ok} | ${r.rejected503} | ${r.failed} | ${r.mismatched} | ${r.throughput.toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.rssBeforeMB.toFixed(0)} | ${r.rssAfterMB.toFixed(0)} | ${r.eventLoopP99ms.toFixed(1)} |`);
    }
    const json = flag(args, '--json');
    if (json) fs.writeFileSync(json, JSON.stringify({ rows, worstProbDiff, loadAverage: os.loadavg() }, null, 2));
    const lost = rows.some((r) => r.mismatched > 0 || r.failed > 0 || r.ok + r.rejected503 !== r.requests);
    if (lost) {
      console.error('FAILED: some answers were neither the correct prediction nor a 503');
      process.exitCode = 1;
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
