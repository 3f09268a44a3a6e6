import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { buildProgram } from '../lib/cli/main';

function help(name: string): string {
  const cmd = buildProgram().commands.find((c) => c.name() === name);
  if (!cmd) throw new Error(`no command ${name}`);
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text.replace(/\s+/g, ' '); // commander wraps to the terminal width

}

t.test('the program lists the training-side commands', (t) => {
  const names = buildProgram().commands.map((c) => c.name());
  for (const n of ['train', 'eval', 'predict', 'demo', 'ablate']) t.ok(names.includes(n), `has ${n}`);
  t.end();
});

t.test('train --help documents data, model, budget, seed, threads, transfer, out and resume', (t) => {
  const h = help('train');
  for (const flag of ['--data <dir>', '--format <format>', '--preset <preset>', '--size <pixels>', '--epochs <n>', '--batch <n>', '--lr <rate>', '--seed <n>', '--threads <n>', '--transfer <mode>', '--out <dir>', '--resume <dir>']) {
    t.ok(h.includes(flag), `mentions ${flag}`);
  }
  t.match(h, /choices: "synthetic", "folder", "mias", "inbreast", "cbis"/, 'lists the formats');
  t.match(h, /choices: "full", "none"/, 'lists the transfer modes');
  t.match(h, /Examples:/, 'has examples');
  t.end();
});

t.test('eval, predict, demo and ablate --help', (t) => {
  const e = help('eval');
  t.ok(e.includes('--model <dir>') && e.includes('--json'), 'eval: --model and --json');
  t.match(e, /froc: \{ "0\.5", "1", "2", "4" \}/, 'eval: documents the JSON shape');
  const p = help('predict');
  t.ok(p.includes('<image>') && p.includes('--overlay <file.png>') && p.includes('--json'), 'predict: image, --overlay, --json');
  const d = help('demo');
  t.ok(d.includes('--out <dir>') && d.includes('--quick'), 'demo: --out and --quick');
  t.match(d, /AUC >= 0\.9/, 'demo: states its targets');
  const a = help('ablate');
  t.match(a, /'full' and 'none'/, 'ablate: what it compares');
  t.end();
});

t.test('profile --help documents the step, the table and the outputs', (t) => {
  const h = help('profile');
  for (const flag of ['--preset <preset>', '--size <pixels>', '--batch <n>', '--train', '--threads <n>', '--json', '--trace <file>', '--model <dir>']) {
    t.ok(h.includes(flag), `mentions ${flag}`);
  }
  t.match(h, /JS between kernels/, 'explains the JS row');
  t.match(h, /Examples:/, 'has examples');
  t.end();
});

t.test('bad arguments exit non-zero with a clear message', (t) => {
  const main = path.join(__dirname, '..', 'lib', 'cli', 'main.ts');
  const r = spawnSync(process.execPath, [...process.execArgv, main, 'train', '--transfer', 'half'], { encoding: 'utf8', timeout: 300_000 });
  t.not(r.status, 0, 'non-zero exit');
  t.match(r.stderr, /option '--transfer <mode>' argument 'half' is invalid\. Allowed choices are full, none\./);
  t.end();
});
