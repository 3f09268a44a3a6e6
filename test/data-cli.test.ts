import t from 'tap';
import { join } from 'node:path';
import { writeDicom } from './support/dicom-fixtures';
import { tempDir, writeFile } from './support/data-fixtures';
import { encodePgm } from '../lib/data/pgm';
import { runCli } from './support/run-cli';

const cli = runCli;

t.test('inspect --json reports header and rescaled stored values', async (t) => {
  const dir = tempDir(t);
  const file = writeFile(dir, 'a.dcm', writeDicom({ width: 4, height: 2, values: [0, 1, 2, 3, 4, 5, 6, 4095], bitsStored: 12, slope: 2, intercept: -10, photometric: 'MONOCHROME1', laterality: 'R', view: 'MLO', windowCenter: [2000], windowWidth: [4000] }));
  const r = await cli('inspect', file, '--json');
  t.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  t.match(j, { width: 4, height: 2, bitsStored: 12, photometric: 'MONOCHROME1', transferSyntax: '1.2.840.10008.1.2.1', laterality: 'R', view: 'MLO', min: -10, max: 8180 });
  t.equal(j.mean, ((0 + 1 + 2 + 3 + 4 + 5 + 6 + 4095) * 2 - 80) / 8);
  const bad = writeFile(dir, 'bad.dcm', Buffer.alloc(300, 7));
  const e = await cli('inspect', bad, '--json');
  t.not(e.code, 0, 'unreadable file: non-zero exit');
  t.equal(e.stdout, '');
  t.match(e.stderr, /^ftmtlnet inspect: .*bad\.dcm: cannot parse DICOM: .+\n$/);
  t.equal(e.stderr.trim().split('\n').length, 1, 'one line on stderr');
});

t.test('dataset --json on a mini-MIAS original layout', async (t) => {
  const dir = tempDir(t);
  writeFile(dir, 'Info.txt', 'mdb001 G CIRC B 20 40 5\r\nmdb002 F NORM\r\nmdb003 F NORM\r\n');
  writeFile(dir, 'mdb001.pgm', encodePgm(64, 64, new Uint8Array(64 * 64)));
  writeFile(dir, 'mdb002.pgm', encodePgm(64, 64, new Uint8Array(64 * 64)));
  const r = await cli('dataset', dir, '--format', 'mias', '--json');
  t.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  t.match(j, { images: 2, perLabel: { normal: 1, benign: 1, malignant: 0 }, perSplit: { '(none)': { normal: 1, benign: 1 } }, lesions: { mass: 1 }, skipped: { count: 1 } });
  t.match(j.skipped.items[0], { id: 'mdb003', reason: /^cannot read file: ENOENT/ });
  const u = await cli('dataset', dir, '--format', 'dicomdir');
  t.equal(u.code, 2);
  t.match(u.stderr, /unknown format dicomdir/);
  const m = await cli('dataset', join(dir, 'none'), '--json');
  t.equal(m.code, 1);
  t.match(m.stderr, /^ftmtlnet dataset: .*none: cannot open data set/);
});
