// `npm run bench -- forward`: one FTMTLNet forward pass (eval) by our engine and by
// onnxruntime-node on the exported graph, same weights and threads, batch 1 and 8, in one run.
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { Tensor } from '../lib/tensor';
import { noGrad } from '../lib/autograd';
import { setNumThreads, getNumThreads } from '../lib/capabilities';
import { exportOnnxBytes } from '../lib/onnx/export';
import { createOrtSession, runOrt } from '../lib/onnx/onnxruntime';
import { checkParity, formatParity } from '../lib/onnx/parity';

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
const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

async function settle(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await yieldToEventLoop();   // finalizers return buffers to the pool
}

export async function run(args: string[]): Promise<void> {
  const threads = Number(flag(args, '--threads') ?? getNumThreads());
  const repeat = Number(flag(args, '--repeat') ?? 7);
  setNumThreads(threads);
  const dir = flag(args, '--model');
  const model = dir
    ? await FTMTLNet.load(dir)
    : FTMTLNet.create({ preset: (flag(args, '--preset') ?? 'xs') as 'xs', imageSize: Number(flag(args, '--size') ?? 192), seed: 1 });
  model.eval();
  const S = model.config.imageSize;
  const bytes = exportOnnxBytes(model);
  const session = await createOrtSession(bytes, { threads });
  const gflop = model.summary().flops / 1e9;
  const rows: Row[] = [];
  for (const batch of [1, 8]) {
    const data = new Float32Array(batch * S * S).map((_, i) => ((i * 2654435761) % 1000) / 1000);
    const dims = [batch, 1, S, S];
    const ours: number[] = [];
    const ort: number[] = [];
    // One engine after the other: onnxruntime's worker threads spin after each run and would
    // take the second core from ours if the runs alternated.
    for (let k = 0; k < repeat + 2; k++) {
      await settle();
      const t0 = process.hrtime.bigint();
      noGrad(() => model.forward(Tensor.from(data, dims)));
      if (k >= 2) ours.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    for (let k = 0; k < repeat + 2; k++) {
      await settle();
      const t0 = process.hrtime.bigint();
      await runOrt(session, data, dims);
      if (k >= 2) ort.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const oursMs = median(ours);
    const ortMs = median(ort);
    rows.push({ batch, oursMs, ortMs, ratio: oursMs / ortMs, gflopPerImage: gflop });
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
