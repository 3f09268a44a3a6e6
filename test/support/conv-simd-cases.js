// Test-only (plain CommonJS so a child process starts without a TypeScript loader): one
// seeded run of the GEMM-based kernels (conv2d passes, featureTransfer, linear) on odd shapes
// that cover the micro-kernel and cache-block edges, the narrow last-panel kernels included.
// test/ops-conv-simd.test.ts runs it in child processes capped at FTMTLNET_SIMD=scalar and
// avx2 and compares with its own process.
'use strict';
const { loadAddon, seededBuffers } = require('./simd-child.js');

function convCases(k = loadAddon()) {
  const rand = seededBuffers(k, 7, 1);
  const out = {};
  const convs = [
    [2, 13, 11, 9, 19, 3, 3, 1, 1, 1, 1],
    [1, 75, 9, 10, 20, 3, 3, 1, 1, 1, 1],
    [2, 5, 15, 14, 9, 3, 3, 2, 2, 1, 1],
    [1, 3, 12, 13, 137, 5, 5, 2, 1, 2, 2],
    [3, 7, 6, 50, 11, 1, 1, 1, 1, 0, 0],
    [1, 8, 61, 57, 13, 3, 3, 1, 1, 1, 1],
    [1, 64, 14, 14, 48, 3, 3, 1, 1, 1, 1],
    [1, 5, 64, 70, 10, 3, 3, 1, 1, 1, 1],
    // 8x8 and 4x4 planes: the 80- and 24-column grids end in the AVX-512 8x32 and 8x16 kernels.
    [1, 24, 8, 8, 17, 3, 3, 1, 1, 1, 1],
    [2, 9, 4, 4, 11, 3, 3, 1, 1, 1, 1],
  ];
  for (const [n, c, h, w, kk, r, s, sh, sw, ph, pw] of convs) {
    const name = `conv ${n}x${c}x${h}x${w} k${kk} ${r}x${s} s${sh},${sw} p${ph},${pw}`;
    const P = Math.floor((h + 2 * ph - r) / sh) + 1;
    const Q = Math.floor((w + 2 * pw - s) / sw) + 1;
    const x = rand(n * c * h * w);
    const wt = rand(kk * c * r * s, 0.3);
    const b = rand(kk);
    const y = k.alloc(n * kk * P * Q, false);
    k.conv2dForward(x, [n, c, h, w], wt, [kk, c, r, s], b, y, sh, sw, ph, pw);
    out[`${name} forward`] = Array.from(y);
    const dy = rand(n * kk * P * Q);
    const dx = k.alloc(n * c * h * w, false);
    k.conv2dBackwardData(dy, wt, [kk, c, r, s], dx, [n, c, h, w], sh, sw, ph, pw);
    out[`${name} backward-data`] = Array.from(dx);
    const dw = k.alloc(kk * c * r * s, false);
    const db = k.alloc(kk, false);
    k.conv2dBackwardWeight(x, [n, c, h, w], dy, dw, [kk, c, r, s], db, sh, sw, ph, pw);
    out[`${name} backward-weight`] = Array.from(dw);
    out[`${name} backward-bias`] = Array.from(db);
  }
  // Winograd F(2,3) and F(4,3) (forward, the fused form with a row scale and ReLU, and
  // backward-data): odd planes, padding 0-2, stacked narrow planes and rows whose first and
  // last groups of tiles reach into the padding (the edge loads differ per level).
  const winograd = [
    [1, 16, 32, 32, 16, 1],
    [2, 17, 13, 11, 19, 1],
    [1, 16, 9, 40, 18, 0],
    [1, 18, 21, 70, 16, 2],
  ];
  for (const algorithm of ['wino2', 'wino4']) {
    k.setConvAlgorithm(algorithm);
    try {
      for (const [n, c, h, w, kk, p] of winograd) {
        const name = `${algorithm} ${n}x${c}x${h}x${w} k${kk} p${p}`;
        const P = h + 2 * p - 2;
        const Q = w + 2 * p - 2;
        const x = rand(n * c * h * w);
        const wt = rand(kk * c * 9, 0.3);
        const b = rand(kk);
        const y = k.alloc(n * kk * P * Q, false);
        k.conv2dForward(x, [n, c, h, w], wt, [kk, c, 3, 3], b, y, 1, 1, p, p);
        out[`${name} forward`] = Array.from(y);
        const scale = rand(kk);
        const fused = k.alloc(n * kk * P * Q, false);
        k.conv2dForward(x, [n, c, h, w], wt, [kk, c, 3, 3], b, fused, 1, 1, p, p, true, scale);
        out[`${name} forward scale relu`] = Array.from(fused);
        const dy = rand(n * kk * P * Q);
        const dx = k.alloc(n * c * h * w, false);
        k.conv2dBackwardData(dy, wt, [kk, c, 3, 3], dx, [n, c, h, w], 1, 1, p, p);
        out[`${name} backward-data`] = Array.from(dx);
      }
    } finally {
      k.setConvAlgorithm('auto');
    }
  }
  {
    const channels = [3, 8, 5];
    const [n, h, w, kk] = [2, 7, 9, 10];
    const xs = channels.map((c) => rand(n * c * h * w));
    const wt = rand(kk * 16 * 9, 0.3);
    const y = k.alloc(n * kk * h * w, false);
    k.featureTransferForward(xs, channels, [n, h, w], wt, [kk, 16, 3, 3], null, y, 1, 1, 1, 1);
    out['featureTransfer forward'] = Array.from(y);
    const dy = rand(n * kk * h * w);
    const dxs = channels.map((c) => k.alloc(n * c * h * w, false));
    const dw = k.alloc(kk * 16 * 9, false);
    k.featureTransferBackward(xs, channels, [n, h, w], wt, [kk, 16, 3, 3], dy, dxs, dw, null, 1, 1, 1, 1);
    dxs.forEach((d, i) => (out[`featureTransfer d/d xs[${i}]`] = Array.from(d)));
    out['featureTransfer d/d weight'] = Array.from(dw);
  }
  {
    const [n, inF, outF] = [9, 700, 53];
    const x = rand(n * inF);
    const wt = rand(outF * inF, 0.1);
    const b = rand(outF);
    const y = k.alloc(n * outF, false);
    k.linearForward(x, wt, b, y, n, inF, outF);
    out['linear forward'] = Array.from(y);
    const dy = rand(n * outF);
    const dx = k.alloc(n * inF, false);
    const dw = k.alloc(outF * inF, false);
    const db = k.alloc(outF, false);
    k.linearBackward(x, wt, dy, dx, dw, db, n, inF, outF);
    out['linear dx'] = Array.from(dx);
    out['linear dw'] = Array.from(dw);
    out['linear db'] = Array.from(db);
  }
  return { simd: k.simdLevel(), cases: out };
}

module.exports = { convCases };

if (require.main === module) process.stdout.write(JSON.stringify(convCases()));
