// Test-only (plain CommonJS, run in this process and in children capped at FTMTLNET_SIMD=avx2
// and scalar): the fused BN-ReLU backward (batchNormBackward with relu, the sign recomputed
// from x) against reluBackward(y, dy) then batchNormBackward, on shapes whose rows end in
// partial vectors and split into several segments. Each case reports how many output values
// differ in their bits (0 expected: the same floats by another route).
'use strict';
const { loadAddon, seededBuffers } = require('./simd-child.js');

function bitsDiffer(a, b) {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let n = 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) n++;
  return n;
}

function normReluCases(k = loadAddon()) {
  const rand = seededBuffers(k, 11, 1);
  const out = {};
  const shapes = [
    [2, 3, 5, 7],      // 35 values a row: vector tails
    [1, 2, 96, 97],    // 9,312 values: two segments a row
    [4, 5, 16, 16],
    [3, 1, 1, 1],
  ];
  for (const [n, c, h, w] of shapes) {
    for (const affine of [true, false]) {
      const numel = n * c * h * w;
      const name = `${n}x${c}x${h}x${w}${affine ? '' : ' no affine'}`;
      const x = rand(numel, 2);
      // Exact zeros and values at the boundary of the ReLU, where a sign computed another way would flip.
      for (let i = 0; i < numel; i += 13) x[i] = 0;
      const weight = affine ? rand(c, 1.5) : null;
      const bias = affine ? rand(c, 0.5) : null;
      const y = k.alloc(numel, false), mean = k.alloc(c, false), invStd = k.alloc(c, false);
      k.batchNormForward(x, [n, c, h, w], weight, bias, null, null, true, 0.1, 1e-5, y, mean, invStd, true);
      const dy = rand(numel, 1);
      const masked = k.alloc(numel, false);
      k.reluBackward(y, dy, masked);
      const alloc3 = () => [k.alloc(numel, false), k.alloc(c, false), k.alloc(c, false)];
      const [dx0, dw0, db0] = alloc3();
      k.batchNormBackward(x, masked, [n, c, h, w], weight, mean, invStd, true, dx0, dw0, db0);
      const [dx1, dw1, db1] = alloc3();
      k.batchNormBackward(x, dy, [n, c, h, w], weight, mean, invStd, true, dx1, dw1, db1, true, bias);
      let passed = 0;
      for (let i = 0; i < numel; i++) if (y[i] > 0) passed++;
      out[name] = [bitsDiffer(dx0, dx1), bitsDiffer(dw0, dw1), bitsDiffer(db0, db1), passed, numel];
    }
  }
  return { simd: k.simdLevel(), cases: out };
}

if (require.main === module) process.stdout.write(JSON.stringify(normReluCases()));

module.exports = { normReluCases };
