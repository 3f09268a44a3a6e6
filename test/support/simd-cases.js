// Test-only (plain CommonJS so a child process starts without a TypeScript loader): one seeded
// run of every vectorised kernel of the elementwise, reduce, pool and resize families, with odd
// lengths so the vector tails run too. test/ops-simd-paths.test.ts runs it in child processes
// capped at FTMTLNET_SIMD=scalar and avx2 and compares with its own process.
'use strict';
const { loadAddon, seededBuffers } = require('./simd-child.js');

function simdCases(k = loadAddon()) {
  const rand = seededBuffers(k, 99, 4);
  const S = [3, 5, 9, 37];
  const n = 3 * 5 * 9 * 37;
  const out = {};
  const run = (name, len, fn) => {
    const y = k.alloc(len, true);
    fn(y);
    out[name] = Array.from(y);
  };
  const x = rand(n), g = rand(n), b = rand(5 * 37), r = rand(37);
  x[17] = NaN;  // NaN handling must agree across levels too
  const q = 3 * 5 * 4 * 18;
  const gq = rand(q), big = rand(4 * n);
  run('relu', n, (y) => k.reluForward(x, y));
  run('relu backward', n, (y) => k.reluBackward(x, g, y));
  run('sigmoid', n, (y) => k.sigmoidForward(x, y));
  run('sigmoid backward', n, (y) => k.sigmoidBackward(g, x, y));
  run('affine', n, (y) => k.affineScalar(x, y, 1.7, -0.3));
  for (const [op, code] of [['add', 0], ['sub', 1], ['mul', 2]]) {
    run(`${op} same`, n, (y) => k.binaryBroadcast(code, x, S, g, S, y, S));
    run(`${op} (1,5,1,37)`, n, (y) => k.binaryBroadcast(code, x, S, b, [1, 5, 1, 37], y, S));
    run(`${op} (37) first`, n, (y) => k.binaryBroadcast(code, r, [1, 1, 1, 37], x, S, y, S));
    run(`${op} scalars`, n, (y) => k.binaryBroadcast(code, r.subarray(0, 1), [1, 1, 1, 1], b.subarray(0, 1), [1, 1, 1, 1], y, S));
  }
  run('sumToShape (1,5,1,37)', 5 * 37, (y) => k.sumToShape(x, S, y, [1, 5, 1, 37], 0.5));
  run('sumToShape (3,5,1,1)', 15, (y) => k.sumToShape(g, S, y, [3, 5, 1, 1], 1));
  run('sumToShape all', 1, (y) => k.sumToShape(g, S, y, [1, 1, 1, 1], 1));
  run('broadcastTo', n, (y) => k.broadcastTo(b, [1, 5, 1, 37], y, S, 2));
  run('maxPool2d 2x2', q, (y) => k.maxPool2dForward(x, S, [2, 2], [2, 2], [0, 0], y));
  run('maxPool2d 2x2 backward', n, (y) => k.maxPool2dBackward(g, S, [2, 2], [2, 2], [0, 0], gq, y));
  run('avgPool2d 2x2', q, (y) => k.avgPool2dForward(x, S, [2, 2], [2, 2], [0, 0], y));
  run('avgPool2d 2x2 backward', n, (y) => k.avgPool2dBackward(gq, S, [2, 2], [2, 2], [0, 0], y));
  run('maxPool2d 3x3 s2 p1', 3 * 5 * 5 * 19, (y) => k.maxPool2dForward(x, S, [3, 3], [2, 2], [1, 1], y));
  run('avgPool2d 3x3 s1 p1', n, (y) => k.avgPool2dForward(x, S, [3, 3], [1, 1], [1, 1], y));
  run('nearest x2', 4 * n, (y) => k.upsampleNearestForward(x, S, [2, 2], y));
  run('nearest x2 backward', n, (y) => k.upsampleNearestBackward(big, S, [2, 2], y));
  run('bilinear x2', 4 * n, (y) => k.upsampleBilinearForward(g, S, [2, 2], y));
  run('bilinear x2 backward', n, (y) => k.upsampleBilinearBackward(big, S, [2, 2], y));
  run('dropout mask', n, (y) => k.dropoutMask(y, 0.4, 3));
  return { simd: k.simdLevel(), cases: out };
}

module.exports = { simdCases };

if (require.main === module) process.stdout.write(JSON.stringify(simdCases()));
