// `npm run bench -- forward`: one FTMTLNet forward pass (eval) by our engine and by
// onnxruntime-node on the exported graph, same weights and threads, at each batch size, in
// one run, plus parity of the outputs. Several models in one invocation: --preset s,m
// --size 512,256 pairs them element-wise (s at 512 px, m at 256 px).
import * as os from 'node:os';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import type { Preset } from '../lib/model/config';
import { loadModel } from '../lib/train/model-checkpoint';
import { Tensor } from '../lib/tensor';
import { noGrad } from '../lib/autograd';
import { setNumThreads, getNumThreads } from '../lib/capabilities';
import { exportOnnxBytes } from '../lib/onnx/export';
import { createOrtSession, runOrt } from '../lib/onnx/onnxruntime';
import { checkParity, formatParity, ParityReport } from '../lib/onnx/parity';
import { pause, settle } from './settle';

interface Row {
  batch: number;
  oursMs: number;
  ortMs: number;
  ratio: number;                   // median over the rounds of ours / onnxruntime
  ratioRange: [number, number];    // the rounds' lowest and highest
  gflopPerImage: number;
  parityMaxAbs: number;   // over every output at this batch
}

interface CaseResult {
  model: string;
  imageSize: number;
  loadAverage: number[];
  rows: Row[];
  parity: ParityReport;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const isPositiveInteger = (v: number): boolean => Number.isInteger(v) && v >= 1;

function positive(text: string, name: string): number {
  const v = Number(text);
  if (!isPositiveInteger(v)) throw new RangeError(`Expected a positive integer for ${name} but received ${JSON.stringify(text)}`);
  return v;
}

function intList(text: string, name: string): number[] {
  const values = text.split(',').map(Number);
  if (!values.every(isPositiveInteger)) throw new RangeError(`Expected positive integers separated by commas for ${name} but received ${JSON.stringify(text)}`);
  return values;
}

const PRESETS: readonly Preset[] = ['xs', 's', 'm', 'l'];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The models to run: --model DIR, or --preset/--size lists paired element-wise (one value repeats).
async function models(args: string[]): Promise<{ name: string; model: FTMTLNet }[]> {
  const dir = flag(args, '--model');
  if (dir) return [{ name: dir, model: await loadModel(dir) }];
  const presets = (flag(args, '--preset') ?? 'xs').split(',');
  for (const p of presets) if (!PRESETS.includes(p as Preset)) throw new RangeError(`Expected presets from ${PRESETS.join(', ')} for --preset but received ${JSON.stringify(p)}`);
  const sizes = intList(flag(args, '--size') ?? '192', '--size');
  const n = Math.max(presets.length, sizes.length);
  if ((presets.length !== 1 && presets.length !== n) || (sizes.length !== 1 && sizes.length !== n)) {
    throw new RangeError(`Expected --preset and --size lists of the same length (or one value) but received ${presets.length} presets and ${sizes.length} sizes`);
  }
  return Array.from({ length: n }, (_, i) => {
    const preset = (presets[presets.length === 1 ? 0 : i]) as Preset;
    const imageSize = sizes[sizes.length === 1 ? 0 : i];
    return { name: `random ${preset}`, model: FTMTLNet.create({ preset, imageSize, seed: 1 }) };
  });
}

// onnxruntime's worker threads spin for 5-20 ms after each run (ours, right after one: 32-35
// against 19-20 ms at m 256 batch 1; 20 ms later: unaffected), and ours for about 1 ms: each
// engine's block of runs starts this long after the other's.
const SPIN_DOWN_MS = 50;

// The engines alternate in rounds (ours, then onnxruntime, at every batch size), so that a drift
// of the machine's speed between minutes reaches both: each round gives a ratio, and the row
// reports the median of those ratios with their range.
async function runCase(name: string, model: FTMTLNet, batches: number[], threads: number, rounds: number,
  repeat: number): Promise<CaseResult> {
  model.eval();
  const loadAverage = os.loadavg();
  const S = model.config.imageSize;
  const bytes = exportOnnxBytes(model);
  const gflop = model.summary().flops / 1e9;
  const inputs = batches.map((batch) => new Float32Array(batch * S * S).map((_, i) => ((i * 2654435761) % 1000) / 1000));
  // Our runs within a block follow each other with no pause, as on a loaded service: our outputs
  // are disposed after each run (their buffers go straight back to the pool), so no collection
  // is needed between them. A collection between runs (it takes milliseconds) let our worker thread
  // fall asleep after its 1 ms spin while onnxruntime's kept spinning: waking it cost the next
  // run 60-300 us here.
  const ours = (bi: number): number => {
    const t0 = process.hrtime.bigint();
    const x = Tensor.from(inputs[bi], [batches[bi], 1, S, S]);
    const out = noGrad(() => model.forward(x));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    x.dispose();
    for (const t of Object.values(out)) t.dispose();
    return ms;
  };
  // Ours warms up before onnxruntime's session exists (its threads spin after creation).
  for (const bi of batches.keys()) for (let k = 0; k < 2; k++) ours(bi);
  const session = await createOrtSession(bytes, { threads });
  // onnxruntime's outputs are JS arrays that only a collection frees: one before each of its
  // runs keeps that out of the timed run (back to back, s 512 batch 8 ran 196 against 174 ms),
  // and its threads spin through it.
  const peer = async (bi: number): Promise<number> => {
    await settle();
    const t0 = process.hrtime.bigint();
    await runOrt(session, inputs[bi], [batches[bi], 1, S, S]);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const oursRounds: number[][] = batches.map(() => []);
  const ortRounds: number[][] = batches.map(() => []);
  try {
    for (const bi of batches.keys()) for (let k = 0; k < 2; k++) await peer(bi);
    for (let r = 0; r < rounds; r++) {
      for (const bi of batches.keys()) {
        const o: number[] = [];
        const p: number[] = [];
        await settle();
        await pause(SPIN_DOWN_MS);
        for (let k = 0; k <= repeat; k++) o.push(ours(bi));
        await settle();
        await pause(SPIN_DOWN_MS);
        for (let k = 0; k <= repeat; k++) p.push(await peer(bi));
        // The first run of each block is not timed: it finds the caches full of the other engine's data.
        o.shift();
        p.shift();
        oursRounds[bi].push(median(o));
        ortRounds[bi].push(median(p));
      }
    }
  } finally {
    await session.release();
  }
  const parity = await checkParity(model, { batchSizes: batches, onnxBytes: bytes, threads });
  const rows = batches.map((batch, bi) => {
    const ratios = oursRounds[bi].map((o, r) => o / ortRounds[bi][r]);
    return {
      batch,
      oursMs: median(oursRounds[bi]),
      ortMs: median(ortRounds[bi]),
      ratio: median(ratios),
      ratioRange: [Math.min(...ratios), Math.max(...ratios)] as [number, number],
      gflopPerImage: gflop,
      parityMaxAbs: Math.max(...parity.rows.filter((r) => r.batch === batch).map((r) => r.maxAbs)),
    };
  });
  return { model: name, imageSize: S, loadAverage, rows, parity };
}

export async function run(args: string[]): Promise<void> {
  const threads = Number(flag(args, '--threads') ?? getNumThreads());
  const rounds = positive(flag(args, '--rounds') ?? '5', '--rounds');
  const repeat = positive(flag(args, '--repeat') ?? '3', '--repeat');
  const batches = intList(flag(args, '--batch') ?? '1,8', '--batch');
  setNumThreads(threads);
  const results: CaseResult[] = [];
  for (const { name, model } of await models(args)) results.push(await runCase(name, model, batches, threads, rounds, repeat));
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify({ threads, rounds, repeat, results }, null, 2) + '\n');
    return;
  }
  console.log(`FTMTLNet forward (eval), ${threads} threads, ${rounds} rounds of 1 + ${repeat} runs per engine (the first untimed; ours back to back, outputs disposed; onnxruntime's each after a collection) after 2 warm-up runs, ` +
    `the engines alternating (ours first in each round); ms: median of the rounds' medians; ours/ort: median of the rounds' ratios [lowest, highest]`);
  console.log('model          px  batch   ours ms  ours GFLOP/s  onnxruntime ms  ours/ort  ratio range    parity max|d|  load avg');
  for (const c of results) {
    for (const r of c.rows) {
      console.log(`${c.model.padEnd(12)} ${String(c.imageSize).padStart(4)}  ${String(r.batch).padStart(5)}  ${r.oursMs.toFixed(1).padStart(8)}  ` +
        `${((r.gflopPerImage * r.batch) / (r.oursMs / 1e3)).toFixed(1).padStart(12)}  ${r.ortMs.toFixed(1).padStart(14)}  ${r.ratio.toFixed(2).padStart(8)}  ` +
        `${`[${r.ratioRange[0].toFixed(2)}, ${r.ratioRange[1].toFixed(2)}]`.padEnd(13)}  ` +
        `${r.parityMaxAbs.toExponential(1).padStart(13)}  ${c.loadAverage[0].toFixed(2)}`);
    }
  }
  for (const c of results) {
    console.log(`\nparity, ${c.model} at ${c.imageSize} px (relative to onnxruntime):`);
    console.log(formatParity(c.parity));
  }
}
