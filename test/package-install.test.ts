// What a user installs is the packed tarball, not this checkout: `npm pack` with a linux-x64
// prebuild, installed into an empty folder with no compiler, cmake or make on PATH, loads the
// prebuild and runs `ftmtlnet predict`. The prebuild is the addon already built in build/Release,
// put in prebuilds/linux-x64/node.napi.node by the prepack script as in a real `npm pack`; the
// tarball is packed from a staging copy of the package's "files" so this checkout is left alone.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { writeMammogram } from './support/mammogram-fixtures';
import { saveModel } from '../lib/train/model-checkpoint';

const root = path.join(__dirname, '..');
const built = path.join(root, 'build', 'Release', 'ftmtlnet.node');
const dist = path.join(root, 'dist', 'lib', 'cli', 'main.js');
const skip = process.platform !== 'linux' || process.arch !== 'x64' ? 'linux-x64 only'
  : !fs.existsSync(built) ? 'no built addon in build/Release (run npm install first)'
  : !fs.existsSync(dist) ? 'no dist/ (run npm run build:ts first)'
  : process.env.FTMTLNET_SKIP_PACKAGE_TEST ? 'FTMTLNET_SKIP_PACKAGE_TEST is set' : false;

t.test('packed tarball installs with the prebuild and runs predict without compilers', { skip, timeout: 600_000 }, async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-pack-'));
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

  // Staging copy of the package "files" + the prebuild.
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[]; version: string };
  const stage = path.join(tmp, 'stage');
  fs.mkdirSync(stage);
  for (const entry of [...pkg.files.filter((f) => f !== 'prebuilds'), 'package.json']) {
    const from = path.join(root, entry);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(stage, entry), { recursive: true, filter: (src) => !src.endsWith('.tsbuildinfo') });
  }
  // What `npm pack` does in a checkout: prepack puts the built addon in prebuilds/ (scripts/pack-prebuild.js).
  fs.mkdirSync(path.join(stage, 'build', 'Release'), { recursive: true });
  fs.copyFileSync(built, path.join(stage, 'build', 'Release', 'ftmtlnet.node'));
  const prepack = spawnSync(process.execPath, ['scripts/pack-prebuild.js', 'prepack'], { cwd: stage, encoding: 'utf8' });
  t.equal(prepack.status, 0, prepack.stderr);
  const npmCli = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  const npm = (args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) =>
    spawnSync(process.execPath, [fs.existsSync(npmCli) ? npmCli : require.resolve('npm/bin/npm-cli.js'), ...args], { cwd, env, encoding: 'utf8', timeout: 480_000 });
  const packed = npm(['pack', '--ignore-scripts', '--pack-destination', tmp, '--json'], stage);
  t.equal(packed.status, 0, packed.stderr);
  const tarball = path.join(tmp, (JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[])[0].filename);
  const listed = (JSON.parse(packed.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  t.ok(listed.includes('prebuilds/linux-x64/node.napi.node'), 'the tarball holds the linux-x64 prebuild');
  t.ok(listed.includes('dist/lib/cli/main.js'), 'and the compiled CLI');
  t.notOk(listed.some((f) => f.startsWith('build/')), 'and no build/ folder');
  const postpack = spawnSync(process.execPath, ['scripts/pack-prebuild.js', 'postpack'], { cwd: stage, encoding: 'utf8' });
  t.equal(postpack.status, 0, postpack.stderr);
  t.notOk(fs.existsSync(path.join(stage, 'prebuilds')), 'postpack removes the prebuild that prepack added');

  // PATH: node and sh only (npm runs install scripts with sh -c); no cc, c++, g++, cmake, make, nvcc.
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
  const env = { ...process.env, PATH: bin, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ONNXRUNTIME_NODE_INSTALL: 'skip' };
  for (const tool of ['cc', 'c++', 'g++', 'gcc', 'cmake', 'make', 'nvcc', 'python3']) {
    t.not(spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { env }).status, 0, `${tool} is not on PATH`);
  }
  const app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  const inst = npm(['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev'], app, env);
  if (inst.status !== 0) t.comment(inst.stderr.slice(-3000));
  t.equal(inst.status, 0, 'npm install of the tarball succeeds');
  const installed = path.join(app, 'node_modules', 'ftmtlnet');
  t.notOk(fs.existsSync(path.join(installed, 'build')), 'nothing was compiled (no build/ folder)');

  const ckpt = path.join(tmp, 'ckpt');
  await saveModel(FTMTLNet.create({ imageSize: 32, seed: 3 }), ckpt);
  const image = path.join(tmp, 'scan.dcm');
  fs.writeFileSync(image, writeMammogram({}).bytes);
  const cli = path.join(app, 'node_modules', '.bin', 'ftmtlnet');
  const r = spawnSync(cli, ['predict', '--model', ckpt, image, '--json', '--dicom-out', path.join(tmp, 'out')], { cwd: app, env, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) t.comment(r.stderr);
  t.equal(r.status, 0, 'ftmtlnet predict runs from the installed package');
  const json = JSON.parse(r.stdout);
  t.same(json.classes, ['normal', 'benign', 'malignant']);
  t.same(fs.readdirSync(path.join(tmp, 'out')).sort(), ['scan.seg.dcm', 'scan.sr.dcm']);
  const which = spawnSync(process.execPath, ['-e', "console.log(require('node-gyp-build').path(process.argv[1]))", installed], { cwd: installed, env, encoding: 'utf8' });
  t.match(which.stdout.trim(), /prebuilds\/linux-x64\/node\.napi\.node$/, 'node-gyp-build resolves the prebuild');
});
