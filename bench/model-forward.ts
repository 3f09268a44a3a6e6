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
import { settle } from './settle';

interface Row {
  batch: number;
  oursMs: number;
  ortMs: number;
  ratio: number;
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

function intList(text: string, name: string): number[] {
  const values = text.split(',').map(Number);
  if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new RangeError(`Expected positive integers separated by commas for ${name} but received ${JSON.stringify(text)}`);
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

async function runCase(name: string, model: FTMTLNet, batches: number[], threads: number, repeat: number): Promise<CaseResult> {
  model.eval();
  const loadAverage = os.loadavg();
  const S = model.config.imageSize;
  const bytes = exportOnnxBytes(model);
  const gflop = model.summary().flops / 1e9;
  const inputs = batches.map((batch) => new Float32Array(batch * S * S).map((_, i) => ((i * 2654435761) % 1000) / 1000));
  // One engine after the other, ours first: onnxruntime's worker threads spin after session
  // creation and after each run, and would take cores from ours if the two were interleaved.
  const oursMs: number[] = [];
  for (const [bi, batch] of batches.entries()) {
    const ours: number[] = [];
    for (let k = 0; k < repeat + 2; k++) {
      await settle();
      const t0 = process.hrtime.bigint();
      noGrad(() => model.forward(Tensor.from(inputs[bi], [batch, 1, S, S])));
      if (k >= 2) ours.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    oursMs.push(median(ours));
  }
  const session = await createOrtSession(bytes, { threads });
  const ortMs: number[] = [];
  try {
    for (const [bi, batch] of batches.entries()) {
      const ort: number[] = [];
      for (let k = 0; k < repeat + 2; k++) {
        await settle();
        const t0 = process.hrtime.bigint();
        await runOrt(session, inputs[bi], [batch, 1, S, S]);
        if (k >= 2) ort.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      ortMs.push(median(ort));
    }
  } finally {
    await session.release();
  }
  const parity = await checkParity(model, { batchSizes: batches, onnxBytes: bytes, threads });
  const rows = batches.map((batch, bi) => ({
    batch,
    oursMs: oursMs[bi],
    ortMs: ortMs[bi],
    ratio: oursMs[bi] / ortMs[bi],
    gflopPerImage: gflop,
    parityMaxAbs: Math.max(...parity.rows.filter((r) => r.batch === batch).map((r) => r.maxAbs)),
  }));
  return { model: name, imageSize: S, loadAverage, rows, parity };
}

export async function run(args: string[]): Promise<void> {
  const threads = Number(flag(args, '--threads') ?? getNumThreads());
  const repeat = Number(flag(args, '--repeat') ?? 7);
  const batches = intList(flag(args, '--batch') ?? '1,8', '--batch');
  setNumThreads(threads);
  const results: CaseResult[] = [];
  for (const { name, model } of await models(args)) results.push(await runCase(name, model, batches, threads, repeat));
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify({ threads, repeat, results }, null, 2) + '\n');
    return;
  }
  console.log(`FTMTLNet forward (eval), ${threads} threads, median of ${repeat} after 2 warm-up runs, one engine after the other (ours first)`);
  console.log('model          px  batch   ours ms  ours GFLOP/s  onnxruntime ms  ours/ort  parity max|d|  load avg');
  for (const c of results) {
    for (const r of c.rows) {
      console.log(`${c.model.padEnd(12)} ${String(c.imageSize).padStart(4)}  ${String(r.batch).padStart(5)}  ${r.oursMs.toFixed(1).padStart(8)}  ` +
        `${((r.gflopPerImage * r.batch) / (r.oursMs / 1e3)).toFixed(1).padStart(12)}  ${r.ortMs.toFixed(1).padStart(14)}  ${r.ratio.toFixed(2).padStart(8)}  ` +
        `${r.parityMaxAbs.toExponential(1).padStart(13)}  ${c.loadAverage[0].toFixed(2)}`);
    }
  }
  for (const c of results) {
    console.log(`\nparity, ${c.model} at ${c.imageSize} px (relative to onnxruntime):`);
    console.log(formatParity(c.parity));
  }
}
