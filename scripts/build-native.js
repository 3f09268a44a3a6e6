#!/usr/bin/env node
// Builds the native addon: a matching prebuild if present, else cmake-js (CUDA when nvcc is
// found), else node-gyp (CPU only). Env: FTMTLNET_BUILD_FROM_SOURCE=1 ignores prebuilds,
// FTMTLNET_CUDA=OFF skips CUDA, FTMTLNET_BUILDER=gyp forces the node-gyp fallback,
// FTMTLNET_REQUIRE_CUDA=1 makes a failed cmake-js (CUDA) build an error instead of a fallback.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');

const root = path.join(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function run(cmd, args) {
  console.error(`[ftmtlnet] ${path.basename(cmd)} ${args.join(' ')}`);
  const env = { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: String(os.cpus().length) };
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  return r.status === 0;
}

function hasPrebuild() {
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  return fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.node'));
}

if (!process.env.FTMTLNET_BUILD_FROM_SOURCE && hasPrebuild()) {
  console.error('[ftmtlnet] using the prebuilt addon in prebuilds/');
  process.exit(0);
}

const cuda = (process.env.FTMTLNET_CUDA || 'ON').toUpperCase() === 'OFF' ? 'OFF' : 'ON';
if (process.env.FTMTLNET_BUILDER !== 'gyp') {
  if (fs.existsSync(bin('cmake-js')) && run(bin('cmake-js'), ['compile', `--CDFTMTLNET_CUDA=${cuda}`])) process.exit(0);
  if (process.env.FTMTLNET_REQUIRE_CUDA === '1') {
    // CI with nvcc on PATH: a CUDA compile error must fail the build, not fall back to the CPU.
    console.error('[ftmtlnet] cmake-js build failed and FTMTLNET_REQUIRE_CUDA=1: not falling back to node-gyp');
    process.exit(1);
  }
  console.error('[ftmtlnet] cmake-js build failed; falling back to node-gyp (CPU only)');
}
if (fs.existsSync(bin('node-gyp')) && run(bin('node-gyp'), ['rebuild'])) process.exit(0);
console.error('[ftmtlnet] could not build the native addon: install cmake >= 3.20 and a C++17 compiler, then run `npm rebuild ftmtlnet`');
process.exit(1);
