// madge --circular on lib/ finds no import circle (the same check dependency-cruiser's
// no-circular rule makes in test/architecture.test.ts, by a second tool).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const madgeBin = path.join(root, 'node_modules', 'madge', 'bin', 'cli.js');

t.test('madge --circular finds no import circle in lib/', (t) => {
  const r = spawnSync(process.execPath, [madgeBin, '--circular', '--extensions', 'ts', '--json', 'lib'], { cwd: root, encoding: 'utf8', timeout: 540_000 });
  t.equal(r.status, 0, `madge exit status (stderr: ${r.stderr.slice(0, 300)})`);
  t.same(JSON.parse(r.stdout), [], 'no circles');
  t.end();
});
