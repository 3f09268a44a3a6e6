// Prints the GPU benchmark table: ftmtlnet CUDA rows (bench cuda --json) beside PyTorch/cuDNN
// rows (bench/gpu_torch.py --json) for the same shapes, matched by key.
// usage: node dist/bench/cuda-table.js ours.json [torch.json]
import * as fs from 'node:fs';
import type { CudaBenchRow } from './cuda';

interface TorchRow {
  key: string;
  ms: number;
}

function main(): void {
  const [oursFile, torchFile] = process.argv.slice(2);
  if (!oursFile || !fs.existsSync(oursFile)) {
    console.error(`cuda-table: no ftmtlnet results at ${oursFile ?? '(missing argument)'}`);
    process.exitCode = 1;
    return;
  }
  const ours = JSON.parse(fs.readFileSync(oursFile, 'utf8')) as { device: string; precision: string; rows: CudaBenchRow[] };
  const torch = new Map<string, number>();
  let torchNote = 'PyTorch: not run (python3 -c "import torch" failed or no CUDA there)';
  if (torchFile && fs.existsSync(torchFile)) {
    const t = JSON.parse(fs.readFileSync(torchFile, 'utf8')) as { version: string; rows: TorchRow[] };
    for (const r of t.rows) torch.set(r.key, r.ms);
    torchNote = `PyTorch ${t.version} (cuDNN, TF32 allowed), same shapes`;
  }
  console.log(`\nftmtlnet CUDA on ${ours.device}, matmul precision ${ours.precision}; ${torchNote}`);
  console.log('ratio = ftmtlnet time / PyTorch time (< 1: ftmtlnet faster)\n');
  const head = ['op', 'shape', 'ms', 'TFLOP/s', '% peak', 'torch ms', 'ratio'];
  const lines = ours.rows.map((r) => {
    const t = torch.get(r.key);
    return [r.name, r.shape, r.ms.toFixed(3), r.tflops.toFixed(1), r.peakFraction === null ? 'n/a' : (100 * r.peakFraction).toFixed(1),
      t === undefined ? 'n/a' : t.toFixed(3), t === undefined ? 'n/a' : (r.ms / t).toFixed(2)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
}

main();
