// Runs the compressed-frame codecs in a worker thread with a deadline: decoding never blocks the
// event loop, and a corrupt codestream that sends a codec into a long loop (seen with CharLS:
// 36 s on a 133-byte corrupted frame) is stopped and reported as an error.

import { Worker } from 'node:worker_threads';

export interface WorkerFrame { width: number; height: number; bitsPerSample: number; componentCount: number; signed: boolean; bytes: Uint8Array }

// Plain JS run with eval, so it works the same from lib/*.ts (tests) and dist/*.js.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const modules = new Map();
let log = [];
const remember = (line) => { log.push(String(line)); if (log.length > 20) log = log.slice(-20); };
parentPort.on('message', async (job) => {
  try {
    let out;
    if (job.kind === 'jpeg-lossless') {
      const { Decoder } = require(job.path);
      const d = new Decoder();
      parentPort.postMessage({ id: job.id, started: true });
      const r = d.decode(job.data.buffer, job.data.byteOffset, job.data.byteLength, job.bytesPerSample);
      out = { width: d.xDim, height: d.yDim, bitsPerSample: d.precision || job.bytesPerSample * 8, componentCount: d.numComp, signed: false,
              bytes: new Uint8Array(r.buffer, r.byteOffset, r.byteLength).slice() };
    } else {
      if (!modules.has(job.path)) modules.set(job.path, require(job.path)({ print: remember, printErr: remember }));
      const mod = await modules.get(job.path);
      const decoder = new mod[job.decoder]();
      log = [];
      try {
        decoder.getEncodedBuffer(job.data.length).set(job.data);
        parentPort.postMessage({ id: job.id, started: true });
        decoder.decode();
        const info = decoder.getFrameInfo();
        out = { width: info.width, height: info.height, bitsPerSample: info.bitsPerSample, componentCount: info.componentCount,
                signed: !!info.isSigned, bytes: decoder.getDecodedBuffer().slice() };
      } finally { if (decoder.delete) decoder.delete(); }
    }
    parentPort.postMessage({ id: job.id, frame: out }, [out.bytes.buffer]);
  } catch (e) {
    const said = log.filter((l) => /error/i.test(l)).pop();
    const text = e instanceof Error ? e.message : typeof e === 'number' ? 'the codec rejected the codestream as corrupt or truncated (internal error ' + e + ')' : String(e);
    parentPort.postMessage({ id: job.id, error: said ? said.replace(/^\\[ERROR\\]\\s*/, '').trim() + ' (' + text + ')' : text });
  }
});
`;

let worker: Worker | null = null;
let nextId = 1;
interface Pending { worker: Worker; limit: number; frame: string; resolve: (f: WorkerFrame) => void; reject: (e: Error) => void; timer: NodeJS.Timeout | null }
const pending = new Map<number, Pending>();
let timeoutMs: number | null = null;

// Deadline for decoding one frame, counted from when the worker starts on it (not the worker's
// start-up): set explicitly here (tests), else the caller's (limits.ts codecDeadlineMs).
export function setCodecTimeout(ms: number | null): void { timeoutMs = ms; }

function failJobsOf(w: Worker, e: Error): void {
  for (const [id, p] of pending) {
    if (p.worker !== w) continue;
    if (p.timer) clearTimeout(p.timer);
    p.reject(e);
    pending.delete(id);
  }
}

function getWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.unref();
  w.on('message', (m: { id: number; started?: boolean; frame?: WorkerFrame; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    if (m.started) {
      p.timer = setTimeout(() => {
        pending.delete(m.id);
        p.reject(new Error(`codec did not finish within ${Math.round(p.limit)} ms, the deadline for a ${p.frame} frame (codecBaseMs + codecMsPerMegapixel x megapixels): the codestream is corrupt or crafted to stall the decoder`));
        if (worker === w) worker = null;
        failJobsOf(w, new Error('codec worker stopped after another frame timed out'));
        void w.terminate();
      }, p.limit);
      return;
    }
    pending.delete(m.id);
    if (p.timer) clearTimeout(p.timer);
    if (![...pending.values()].some((q) => q.worker === w)) w.unref();
    if (m.frame) p.resolve(m.frame); else p.reject(new Error(m.error ?? 'codec failed'));
  });
  w.on('error', (e) => { if (worker === w) worker = null; failJobsOf(w, e); });
  w.on('exit', () => { if (worker === w) worker = null; failJobsOf(w, new Error('codec worker exited')); });
  worker = w;
  return w;
}

// `deadlineMs`: how long the codec may take once it has started on the frame; `frame` describes
// the frame in the timeout message ("9x17").
export function decodeInWorker(job: { kind: 'wasm' | 'jpeg-lossless'; pkg: string; decoder?: string; bytesPerSample?: number; data: Uint8Array; deadlineMs: number; frame: string }): Promise<WorkerFrame> {
  let path: string;
  try {
    path = require.resolve(job.pkg);
  } catch {
    return Promise.reject(new Error(`the codec package ${job.pkg} is not installed (npm install ${job.pkg})`));
  }
  const w = getWorker();
  const id = nextId++;
  const limit = timeoutMs ?? job.deadlineMs;
  return new Promise<WorkerFrame>((resolve, reject) => {
    pending.set(id, { worker: w, limit, frame: job.frame, resolve, reject, timer: null });
    w.ref();
    const data = job.data.slice();
    w.postMessage({ id, kind: job.kind, path, decoder: job.decoder, bytesPerSample: job.bytesPerSample, data }, [data.buffer]);
  });
}
