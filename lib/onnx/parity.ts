// Parity: the same weights through our engine and through onnxruntime-node (the exported
// graph), compared output by output: max |d| and max |d| / max |ref| with ref = onnxruntime.
import { Tensor } from '../tensor';
import { noGrad } from '../autograd';
import { seededRng } from '../nn/init';
import { exportOnnxBytes, ExportableModel, HEAD_NAMES } from './export';
import { createOrtSession, runOrt } from './onnxruntime';

export interface ParityRow {
  input: string;       // 'random' or the image's name
  batch: number;
  output: string;
  maxAbs: number;
  maxRel: number;
  ok: boolean;
}

export interface ParityReport {
  tolerance: number;
  rows: ParityRow[];
  ok: boolean;
}

export interface ParityOptions {
  batchSizes?: number[];
  // Extra real inputs, each an S*S float32 image in [0, 1] (already resized to the model's size).
  images?: { name: string; data: Float32Array }[];
  seed?: number;
  tolerance?: number;
  threads?: number;
  onnxBytes?: Uint8Array;
}

function seededUniform(seed: number, n: number): Float32Array {
  const rng = seededRng(seed);
  return Float32Array.from({ length: n }, rng);
}

export function compareOutputs(ours: Float32Array, ref: Float32Array): { maxAbs: number; maxRel: number } {
  if (ours.length !== ref.length) throw new Error(`parity: output lengths differ (${ours.length} vs ${ref.length})`);
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ours[i] - ref[i]);
    // NaN anywhere makes the comparison fail.
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? NaN : d;
    if (Number.isNaN(maxAbs)) break;
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  const maxRel = maxRef > 0 ? maxAbs / maxRef : maxAbs;
  return { maxAbs, maxRel };
}

export async function checkParity(model: ExportableModel, options: ParityOptions = {}): Promise<ParityReport> {
  const tolerance = options.tolerance ?? 1e-4;
  const size = model.config.imageSize;
  const bytes = options.onnxBytes ?? exportOnnxBytes(model);
  const session = await createOrtSession(bytes, { threads: options.threads });
  const wasTraining = model.training;
  model.eval();
  const rows: ParityRow[] = [];
  try {
    const cases: { input: string; batch: number; data: Float32Array }[] = [];
    for (const batch of options.batchSizes ?? [1, 4]) {
      cases.push({ input: 'random', batch, data: seededUniform((options.seed ?? 7) + batch, batch * size * size) });
    }
    for (const img of options.images ?? []) {
      if (img.data.length !== size * size) {
        throw new RangeError(`Expected ${size}x${size} pixels for image ${img.name} but received ${img.data.length} values`);
      }
      cases.push({ input: img.name, batch: 1, data: img.data });
    }
    for (const c of cases) {
      const dims = [c.batch, 1, size, size];
      const ours = noGrad(() => model.forward(Tensor.from(c.data, dims)));
      const ref = await runOrt(session, c.data, dims);
      for (const head of HEAD_NAMES) {
        const { maxAbs, maxRel } = compareOutputs(ours[head].data, ref[head].data);
        rows.push({ input: c.input, batch: c.batch, output: head, maxAbs, maxRel, ok: maxRel <= tolerance });
      }
    }
  } finally {
    if (wasTraining) model.train();
  }
  return { tolerance, rows, ok: rows.every((r) => r.ok) };
}

export function formatParity(report: ParityReport): string {
  const lines = ['input        batch  output        max|d|      max|d|/max|ref|  ok'];
  for (const r of report.rows) {
    lines.push(
      `${r.input.padEnd(12).slice(0, 12)} ${String(r.batch).padStart(5)}  ${r.output.padEnd(12)}  ${r.maxAbs.toExponential(2).padStart(9)}  ${r.maxRel.toExponential(2).padStart(15)}  ${r.ok ? 'yes' : 'NO'}`,
    );
  }
  lines.push(`parity ${report.ok ? 'holds' : 'FAILS'} at ${report.tolerance} relative`);
  return lines.join('\n');
}
