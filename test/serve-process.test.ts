// `ftmtlnet serve` as a real process on a random loopback port: it binds 127.0.0.1 by default,
// answers over TCP, and on SIGTERM stops accepting, answers every request in flight, exits 0.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { writeMammogram } from './support/mammogram-fixtures';
import { saveModel } from '../lib/train/model-checkpoint';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-serve-proc-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const main = path.join(__dirname, '..', 'lib', 'cli', 'main.ts');

t.test('serve: loopback listen, SIGTERM drains and exits 0', async (t) => {
  const ckpt = path.join(dir, 'ckpt');
  await saveModel(FTMTLNet.create({ imageSize: 64, seed: 5 }), ckpt);
  const child = spawn(process.execPath, [...process.execArgv, main, 'serve', '--model', ckpt, '--port', '0', '--workers', '1', '--threads', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 120 s: ${stderr}`)), 120_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/[^ ]+)/.exec(stderr);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', () => reject(new Error(`serve exited: ${stderr}`)));
  });
  t.match(address, /^http:\/\/127\.0\.0\.1:\d+$/, 'binds the loopback address by default');
  const live = await fetch(`${address}/v2/health/live`);
  t.equal(live.status, 200);

  // Four requests at once on one worker; SIGTERM as soon as the first is answered: the other
  // three are then in flight (queued or running) and must still be answered.
  const body = new Uint8Array(writeMammogram({ width: 400, height: 500 }).bytes);
  const send = () => fetch(`${address}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/dicom' }, body });
  const pending = [send(), send(), send(), send()];
  const first = await Promise.race(pending);
  t.equal(first.status, 200, 'first answer');
  child.kill('SIGTERM');
  const all = await Promise.all(pending);
  t.same(all.map((r) => r.status), [200, 200, 200, 200], 'every request in flight at SIGTERM is answered');
  const masks = await Promise.all(all.map((r) => r.json()));
  t.ok(masks.every((m) => m.mask.width === 400 && m.mask.height === 500), 'full predictions');
  t.equal(await exited, 0, 'exits 0');
  t.match(stderr, /SIGTERM: no new requests/);
  await t.rejects(fetch(`${address}/v2/health/live`), 'no longer accepting');
});
