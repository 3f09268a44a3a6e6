// mini-MIAS path traversal (issue 15, problem 10): ids must be mdbNNN and no image path may
// leave the data folder.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMiasOriginal } from '../lib/data/mias';
import { pathInsideFolder } from '../lib/data/inside-folder';
import { encodePgm } from '../lib/data/pgm';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-mias-trav-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

t.test('10: an Info.txt id that climbs out of the folder is refused, the image outside is never read', async (t) => {
  const data = path.join(tmp, 'data');
  fs.mkdirSync(data);
  fs.mkdirSync(path.join(tmp, 'outside'));
  const pgm = encodePgm(8, 8, new Uint8Array(64).fill(9));
  fs.writeFileSync(path.join(tmp, 'outside', 'secret.pgm'), pgm);
  fs.writeFileSync(path.join(data, 'mdb002.pgm'), pgm);
  fs.writeFileSync(path.join(data, 'Info.txt'), 'mdb001/../../outside/secret G NORM\nmdb002 F NORM\nmdb0003 F NORM\n');
  const ds = await readMiasOriginal(data);
  t.same(ds.samples.map((s) => s.id), ['mdb002'], 'only the well-formed id is read');
  t.same(ds.skipped.map((s) => s.reason), [
    'malformed Info.txt line 1 "mdb001/../../outside/secret G NORM": id mdb001/../../outside/secret is not of the form mdbNNN',
    'malformed Info.txt line 3 "mdb0003 F NORM": id mdb0003 is not of the form mdbNNN',
  ]);
});

t.test('10: the folder check refuses relative climbs and absolute paths', async (t) => {
  const dir = path.join(tmp, 'data');
  t.equal(pathInsideFolder(dir, 'mdb001.pgm', 'Info.txt'), path.join(dir, 'mdb001.pgm'));
  t.equal(pathInsideFolder(dir, 'sub/../mdb001.pgm', 'Info.txt'), path.join(dir, 'mdb001.pgm'));
  t.throws(() => pathInsideFolder(dir, '../outside/secret.pgm', 'Info.txt'), {
    name: 'DataFormatError', message: `Info.txt: path "../outside/secret.pgm" leads outside the data folder ${dir}; refusing to read it`,
  });
  t.throws(() => pathInsideFolder(dir, '/etc/passwd', 'mias.json'), { message: /path "\/etc\/passwd" leads outside the data folder/ });
  t.throws(() => pathInsideFolder(dir, '.', 'mias.json'), { message: /leads outside the data folder/ }, 'the folder itself is not a file in it');
});
