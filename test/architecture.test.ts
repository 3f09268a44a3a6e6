// The layer rules of lib/ (.dependency-cruiser.cjs; README "Where things are"), enforced with
// dependency-cruiser run as its CLI runs (madge's circular check: test/architecture-madge.test.ts).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const depcruiseBin = path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const config = path.join(root, '.dependency-cruiser.cjs');

interface Violation { rule: { name: string }; from: string; to: string }

function depcruise(cwd: string): Violation[] {
  const r = spawnSync(process.execPath, [depcruiseBin, 'lib', '--config', config, '--output-type', 'json'], { cwd, encoding: 'utf8', timeout: 540_000, maxBuffer: 64 << 20 });
  if (!r.stdout) throw new Error(`depcruise gave no output (status ${r.status}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

t.test('dependency-cruiser: lib/ keeps its layer rules', (t) => {
  const violations = depcruise(root);
  t.same(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`), [], 'no violations');
  t.end();
});

t.test('the rules catch what they forbid (a throwaway tree that breaks each)', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-arch-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true } }),
    'lib/native.ts': 'export const addon = 1;\n',
    'lib/errors.ts': "import { x } from './tensor';\nexport const e = x;\n",
    'lib/tensor.ts': 'export const x = 1;\n',
    'lib/train/trainer.ts': 'export const train = 1;\n',
    'lib/nn/a.ts': "import { train } from '../train/trainer';\nimport { addon } from '../native';\nimport { b } from './b';\nexport const a = train + addon + b;\n",
    'lib/nn/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
    'lib/ops/relu.ts': "import { a } from '../nn/a';\nexport const relu = a;\n",
    'lib/ops/cpu/relu.ts': "import { relu } from '../relu';\nexport const k = relu;\n",
  };
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  const found = new Set(depcruise(dir).map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`));
  for (const expected of [
    'no-circular: lib/nn/a.ts -> lib/nn/b.ts',
    'model-nn-data-not-train: lib/nn/a.ts -> lib/train/trainer.ts',
    'gateway-only-from-ops-and-storage: lib/nn/a.ts -> lib/native.ts',
    'bottom-of-core: lib/errors.ts -> lib/tensor.ts',
    'ops-below-nn: lib/ops/relu.ts -> lib/nn/a.ts',
    'cpu-bindings-below-ops: lib/ops/cpu/relu.ts -> lib/ops/relu.ts',
  ]) {
    t.ok(found.has(expected), expected);
  }
  t.end();
});
