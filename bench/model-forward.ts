// `npm run bench -- forward`: one FTMTLNet forward pass (eval) by our engine and by
// onnxruntime-node on the exported graph, same weights and threads, batch 1 and 8, in one run.
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { loadModel } from '../lib/train/model-checkpoint';
import { Tensor } from '../lib/tensor';
import { noGrad } from '../lib/autograd';
import { setNumThreads, getNumThreads } from '../lib/capabilities';
import { exportOnnxBytes } from '../lib/onnx/export';
import { createOrtSession, runOrt } from '../lib/onnx/onnxruntime';
import { checkParity, formatParity } from '../lib/onnx/parity';
import { settle } from './settle';

interface Row {
  batch: number;
  oursMs: number;
  ortMs: number;
  ratio: number;
  gflopPerImage: number;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export async function run(args: string[]): Promise<void> {
  const threads = Number(flag(args, '--threads') ?? getNumThreads());
  const repeat = Number(flag(args, '--repeat') ?? 7);
  setNumThreads(threads);
  const dir = flag(args, '--model');
  const model = dir
    ? await loadModel(dir)
    : FTMTLNet.create({ preset: (flag(args, '--preset') ?? 'xs') as 'xs', imageSize: Number(flag(args, '--size') ?? 192), seed: 1 });
  model.eval();
  const S = model.config.imageSize;
  const bytes = exportOnnxBytes(model);
  const gflop = model.summary().flops / 1e9;
  const batches = [1, 8];
  const inputs = batches.map((batch) => new Float32Array(batch * S * S).map((_, i) => ((i * 2654435761) % 1000) / 1000));
  // One engine after the other, ours first: onnxruntime's worker threads spin after session
  // creation and after each run, and would take cores from ours if the two were interleaved.
  const oursMs = [];
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
  const rows: Row[] = [];
  for (const [bi, batch] of batches.entries()) {
    const ort: number[] = [];
    for (let k = 0; k < repeat + 2; k++) {
      await settle();
      const t0 = process.hrtime.bigint();
      await runOrt(session, inputs[bi], [batch, 1, S, S]);
      if (k >= 2) ort.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const ortMs = median(ort);
    rows.push({ batch, oursMs: oursMs[bi], ortMs, ratio: oursMs[bi] / ortMs, gflopPerImage: gflop });
  }
  const parity = await checkParity(model, { batchSizes: [1, 8], onnxBytes: bytes, threads });
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify({ model: dir ?? `random ${model.config.preset} ${S}px`, threads, rows, parity }, null, 2) + '\n');
    return;
  }
  console.log(`FTMTLNet forward (eval), ${dir ?? `random ${model.config.preset}`} at ${S}x${S}, ${gflop.toFixed(3)} GFLOP/image, ${threads} threads, median of ${repeat} after 2 warm-up runs, one engine after the other`);
  console.log('batch   ours ms   ours GFLOP/s   onnxruntime ms   ours/ort');
  for (const r of rows) {
    console.log(`${String(r.batch).padStart(5)}  ${r.oursMs.toFixed(1).padStart(8)}  ${((r.gflopPerImage * r.batch) / (r.oursMs / 1e3)).toFixed(1).padStart(13)}  ${r.ortMs.toFixed(1).padStart(15)}  ${r.ratio.toFixed(2).padStart(9)}`);
  }
  console.log(formatParity(parity));
}
