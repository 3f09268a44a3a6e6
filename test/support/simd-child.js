// Test-only (plain CommonJS, no TypeScript loader): what the SIMD-level case scripts share:
// loading the addon, mulberry32 (as lib/nn/init.ts), and seeded native input buffers.
'use strict';
const path = require('node:path');

function loadAddon() {
  const root = path.join(__dirname, '..', '..');
  return process.env.FTMTLNET_ADDON ? require(path.resolve(process.env.FTMTLNET_ADDON)) : require('node-gyp-build')(root);
}

// mulberry32 as lib/random.ts (a copy: this plain-JS child runs without a TypeScript loader;
// test/random.test.ts checks it against the library's generator).
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// rand(n, scale) -> a native Float32Array of n uniform values in [-scale, scale).
function seededBuffers(k, seed, defaultScale) {
  const rng = seeded(seed);
  return (n, scale = defaultScale) => {
    const a = k.alloc(n, false);
    for (let i = 0; i < n; i++) a[i] = (rng() * 2 - 1) * scale;
    return a;
  };
}

module.exports = { loadAddon, seeded, seededBuffers };
