// Benchmark of the memory-bound kernels (activations, broadcast arithmetic, reductions, concat,
// pooling, upsampling, dropout) at an FTMTLNet-sized activation (default 4x64x128x128). Each
// kernel writes into preallocated buffers (what a training step costs once the memory pool
// recycles its buffers); the table shows the median time, the bytes each kernel must move per
// millisecond (GB/s), and the ratio to a plain copy of the same number of bytes measured in the
// same run (1.0 = as fast as memcpy-class traffic).
//   node dist/bench/memory-bound-ops.js [--threads N] [--shape N,C,H,W] [--json]
import { addon, nativeCore } from '../lib/native';
import { allocCpu } from '../lib/tensor';

/* eslint-disable @typescript-eslint/no-explicit-any */
interface Row { op: string; ms: number; gbPerS: number; copyRatio: number }

function median(fn: () => void, runs: number): number {
  for (let i = 0; i < 3; i++) fn();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(runs / 2)];
}

export function runMemoryBoundBench(shape = [4, 64, 128, 128], runs = 15): Row[] {
  const k = addon();
  const [N, C, H, W] = shape;
  const n = N * C * H * W;
  const filled = (len: number) => {
    const a = allocCpu(len, false);
    for (let i = 0; i < len; i++) a[i] = Math.sin(i * 0.37);
    return a;
  };
  const x = filled(n), x2 = filled(n), y = filled(n), quarter = filled(n / 4), big = filled(4 * n), half = filled(n / 2);
  const small = filled(N * C);
  // Copy peers: one per traffic size, so each kernel is compared with a copy of its own bytes.
  const copyMs = new Map<number, number>();
  const peer = (bytes: number) => {
    if (!copyMs.has(bytes)) {
      const src = filled(bytes / 8), dst = filled(bytes / 8);
      copyMs.set(bytes, median(() => dst.set(src), runs));
    }
    return copyMs.get(bytes)!;
  };
  const S = [N, C, H, W];
  const cases: [string, number, () => void][] = [
    ['relu forward', 8 * n, () => k.reluForward(x, y)],
    ['relu backward', 12 * n, () => k.reluBackward(x, x2, y)],
    ['sigmoid forward', 8 * n, () => k.sigmoidForward(x, y)],
    ['add (same shape)', 12 * n, () => k.binaryBroadcast(0, x, S, x2, S, y, S)],
    ['add (1,C,1,1) bias', 8 * n, () => k.binaryBroadcast(0, x, S, small.subarray(0, C), [1, C, 1, 1], y, S)],
    ['mul by number', 8 * n, () => k.affineScalar(x, y, 2, 0)],
    ['sum to (1,C,1,1)', 4 * n, () => k.sumToShape(x, S, small.subarray(0, C), [1, C, 1, 1], 1)],
    ['globalAvgPool2d forward', 4 * n, () => k.sumToShape(x, S, small, [N, C, 1, 1], 1 / (H * W))],
    ['concat (two halves, dim 1)', 8 * n, () => { k.copyRows(half, 0, n / 2 / N, y, 0, n / N, N, n / 2 / N); k.copyRows(half, 0, n / 2 / N, y, n / 2 / N, n / N, N, n / 2 / N); }],
    ['maxPool2d 2x2 forward', 5 * n, () => k.maxPool2dForward(x, S, [2, 2], [2, 2], [0, 0], quarter)],
    ['maxPool2d 2x2 backward', 9 * n, () => k.maxPool2dBackward(x, S, [2, 2], [2, 2], [0, 0], quarter, y)],
    ['maxPool2d 3x3 s2 p1 forward', 5 * n, () => k.maxPool2dForward(x, S, [3, 3], [2, 2], [1, 1], quarter)],
    ['avgPool2d 2x2 forward', 5 * n, () => k.avgPool2dForward(x, S, [2, 2], [2, 2], [0, 0], quarter)],
    ['upsample2d nearest x2 forward', 20 * n, () => k.upsampleNearestForward(x, S, [2, 2], big)],
    ['upsample2d nearest x2 backward', 20 * n, () => k.upsampleNearestBackward(big, S, [2, 2], y)],
    ['upsample2d bilinear x2 forward', 20 * n, () => k.upsampleBilinearForward(x, S, [2, 2], big)],
    ['upsample2d bilinear x2 backward', 20 * n, () => k.upsampleBilinearBackward(big, S, [2, 2], y)],
    ['dropout mask', 4 * n, () => k.dropoutMask(y, 0.5, 7)],
  ];
  return cases.map(([op, bytes, fn]) => {
    const ms = median(fn, runs);
    // A copy moving `bytes` reads and writes bytes/2 each.
    const copy = peer(Math.round(bytes / 8) * 8);
    return { op, ms, gbPerS: bytes / 1e6 / ms, copyRatio: ms / copy };
  });
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  if (at('--threads')) nativeCore().setNumThreads(Number(at('--threads')));
  const shape = at('--shape') ? at('--shape')!.split(',').map(Number) : undefined;
  const rows = runMemoryBoundBench(shape);
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify({ threads: nativeCore().numThreads(), simd: nativeCore().simdLevel(), rows }, null, 2) + '\n');
  } else {
    console.log(`memory-bound kernels, shape ${(shape ?? [4, 64, 128, 128]).join('x')}, ${nativeCore().numThreads()} threads, ${nativeCore().simdLevel()}`);
    console.log(`${'op'.padEnd(34)}${'median ms'.padStart(10)}${'GB/s'.padStart(8)}${'x copy'.padStart(8)}`);
    for (const r of rows) {
      console.log(`${r.op.padEnd(34)}${r.ms.toFixed(2).padStart(10)}${r.gbPerS.toFixed(1).padStart(8)}${r.copyRatio.toFixed(2).padStart(8)}`);
    }
  }
}
