// Real Redis and Orthanc servers on random loopback ports for the archive and queue tests and
// benchmarks: started as plain child processes with throwaway storage, stopped by their PID.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface LocalServer {
  url: string;
  pid: number;
  dir: string;                 // its throwaway folder (config, storage)
  stop(): Promise<void>;
}

function findBinary(name: string, candidates: string[]): string | null {
  for (const c of candidates) if (fs.existsSync(c)) return c;
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

export const REDIS_SERVER = findBinary('redis-server', ['/usr/bin/redis-server']);
export const ORTHANC = findBinary('Orthanc', ['/usr/sbin/Orthanc']);
export const DICOMWEB_PLUGIN = ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so'].find((p) => fs.existsSync(p)) ?? null;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

// Polls `ready` every 50 ms, at most `ms`; fails with the server's log when it never answers.
async function waitReady(name: string, child: ChildProcess, log: () => string, ready: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}: ${log()}`);
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stopProcess(child);
  throw new Error(`${name} did not answer within ${ms / 1000} s: ${log()}`);
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.setTimeout(1000, () => { s.destroy(); resolve(false); });
    s.on('error', () => resolve(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => { got += d.toString(); if (got.includes('\r\n')) { s.end(); resolve(got.startsWith('+PONG')); } });
  });
}

export async function startRedis(): Promise<LocalServer> {
  if (!REDIS_SERVER) throw new Error('redis-server is not installed (Debian package redis-server)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-redis-'));
  const port = await freePort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--maxmemory-policy', 'noeviction', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out = (out + d).slice(-4000); });
  child.stderr!.on('data', (d) => { out = (out + d).slice(-4000); });
  await waitReady('redis-server', child, () => out, () => redisPing(port));
  return {
    url: `redis://127.0.0.1:${port}`, pid: child.pid!, dir,
    stop: async () => { await stopProcess(child); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

export interface OrthancOptions {
  user?: string;               // with password: HTTP basic authentication on
  password?: string;
  stableAge?: number;          // seconds until a study or series counts as stable (Orthanc's default: 60)
  dicomWeb?: boolean;          // load the DICOMweb plugin (STOW-RS at /dicom-web)
}

export async function startOrthanc(options: OrthancOptions = {}): Promise<LocalServer> {
  if (!ORTHANC) throw new Error('Orthanc is not installed (Debian package orthanc)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-orthanc-'));
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const auth = options.user !== undefined;
  const config = {
    Name: 'ftmtlnet-test',
    StorageDirectory: path.join(dir, 'storage'),
    IndexDirectory: path.join(dir, 'index'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: auth,
    RegisteredUsers: auth ? { [options.user!]: options.password ?? '' } : {},
    StableAge: options.stableAge ?? 1,
    HttpDescribeErrors: true,
    Plugins: options.dicomWeb && DICOMWEB_PLUGIN ? [DICOMWEB_PLUGIN] : [],
    DicomWeb: { Enable: !!options.dicomWeb, Root: '/dicom-web/' },
  };
  fs.writeFileSync(path.join(dir, 'orthanc.json'), JSON.stringify(config, null, 2));
  const child = spawn(ORTHANC, [path.join(dir, 'orthanc.json')], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let out = '';
  child.stdout!.on('data', (d) => { out = (out + d).slice(-4000); });
  child.stderr!.on('data', (d) => { out = (out + d).slice(-4000); });
  const url = `http://127.0.0.1:${httpPort}`;
  const headers: Record<string, string> = auth ? { authorization: `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}` } : {};
  await waitReady('Orthanc', child, () => out, async () => (await fetch(`${url}/system`, { headers })).ok);
  return {
    url, pid: child.pid!, dir,
    stop: async () => { await stopProcess(child); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}
