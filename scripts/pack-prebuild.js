#!/usr/bin/env node
// `npm pack` / `npm publish` hooks: the tarball must carry a prebuild for this platform.
//   prepack:  when prebuilds/<platform>-<arch>/ holds no .node, put one there: the addon already
//             built in build/Release (N-API, so it is what `npm run prebuildify` would write), or,
//             when there is none, run `npm run prebuildify`. What it adds is noted in build/.
//   postpack: removes what prepack added, so that a later `npm install` in this checkout still
//             builds from source instead of loading a stale prebuild.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const note = path.join(root, 'build', '.prepack-added.json');
const mode = process.argv[2];

if (mode === 'prepack') {
  if (fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.node'))) {
    console.error(`[ftmtlnet] packing the prebuild in ${path.relative(root, dir)}`);
    process.exit(0);
  }
  const built = path.join(root, 'build', 'Release', 'ftmtlnet.node');
  if (fs.existsSync(built)) {
    fs.mkdirSync(dir, { recursive: true });
    const dest = path.join(dir, 'node.napi.node');
    fs.copyFileSync(built, dest);
    fs.writeFileSync(note, JSON.stringify({ files: [dest] }));
    console.error(`[ftmtlnet] packing build/Release/ftmtlnet.node as ${path.relative(root, dest)}`);
    process.exit(0);
  }
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'prebuildify'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  fs.mkdirSync(path.dirname(note), { recursive: true });
  fs.writeFileSync(note, JSON.stringify({ files: fs.readdirSync(dir).map((f) => path.join(dir, f)) }));
} else if (mode === 'postpack') {
  if (!fs.existsSync(note)) process.exit(0);
  for (const f of JSON.parse(fs.readFileSync(note, 'utf8')).files) fs.rmSync(f, { force: true });
  fs.rmSync(note, { force: true });
  for (const d of [dir, path.dirname(dir)]) if (fs.existsSync(d) && fs.readdirSync(d).length === 0) fs.rmdirSync(d);
} else {
  console.error('usage: node scripts/pack-prebuild.js prepack|postpack');
  process.exit(1);
}
