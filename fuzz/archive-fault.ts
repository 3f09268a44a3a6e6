// The archive fault run: MG instances go into a real Orthanc while connector processes
// (`ftmtlnet orthanc`, each with its own state file) are SIGKILLed at random moments and
// restarted; at the end every instance must have exactly one SEG and one SR. Used by
// `npm run fuzz -- archive` (50 instances) and, small, by the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { Rng } from '../lib/train/rng';
import { OrthancClient } from '../lib/orthanc/orthanc-client';
import { startOrthanc } from '../bench/archive/local-servers';
import { auditArchive, auditProblems } from '../bench/archive/orthanc-audit';
import { writeMammogram } from '../test/support/mammogram-fixtures';
import { saveModel } from '../lib/train/model-checkpoint';

// dist/lib/cli/main.js of this checkout (from fuzz/ or dist/fuzz/).
export function cliMain(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return path.join(dir, 'dist', 'lib', 'cli', 'main.js');
}

// n mammograms, four views (L/R x CC/MLO) per study, each view its own series.
export function mammogramSet(n: number, prefix = '1.2.826.0.1.3680043.9.7.77', size: { width?: number; height?: number } = {}): { bytes: Buffer; sop: string }[] {
  const out: { bytes: Buffer; sop: string }[] = [];
  for (let i = 0; i < n; i++) {
    const study = Math.floor(i / 4), view = i % 4;
    const mg = writeMammogram({
      ...size, seed: i + 1, laterality: view < 2 ? 'L' : 'R', view: view % 2 ? 'MLO' : 'CC',
      photometric: i % 3 ? 'MONOCHROME2' : 'MONOCHROME1',
      uids: { study: `${prefix}.${study}`, series: `${prefix}.${study}.${view + 1}`, sop: `${prefix}.${study}.${view + 1}.1` },
      patientId: `P${String(study).padStart(4, '0')}`,
    });
    out.push({ bytes: mg.bytes, sop: mg.uids.sop });
  }
  return out;
}

export interface FaultOptions {
  modelDir: string;
  workDir: string;
  instances: number;
  connectors: number;
  kills: number;
  seed?: number;
  maxMs?: number;                 // give up after this long (default 10 min)
  log?: (line: string) => void;
}

export interface FaultResult {
  killsInHand: number;            // kills that landed while an instance was in hand (its last log line)
  stored: number;                 // "SEG + SR stored" log lines, all connectors and runs
  repeated: number;               // of those, repeats: killed after storing, before saving the state
  instances: number;
  mg: number;
  seg: number;
  sr: number;
  other: number;
  problems: string[];             // sources without exactly one SEG and one SR
  kills: number;
  restarts: number;
  exitCodes: (number | null)[];   // of the final SIGTERM of each connector
  seconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runOrthancFault(o: FaultOptions): Promise<FaultResult> {
  const log = o.log ?? (() => {});
  const rng = new Rng(o.seed ?? 1);
  const random = () => rng.next();
  const started = Date.now();
  const deadline = started + (o.maxMs ?? 600_000);
  const orthanc = await startOrthanc({ stableAge: 1 });
  const client = new OrthancClient({ url: orthanc.url });
  const procs: { child: ChildProcess; state: string; logFile: string; starts: number }[] = [];
  const start = (i: number) => {
    const state = path.join(o.workDir, `state-${i}.json`);
    const logFile = path.join(o.workDir, `connector-${i}.log`);
    const child = spawn(process.execPath, [cliMain(), 'orthanc', '--url', orthanc.url, '--model', o.modelDir, '--state', state, '--poll', '200', '--threads', '1'],
      { stdio: ['ignore', 'ignore', fs.openSync(logFile, 'a')] });
    procs[i] = { child, state, logFile, starts: (procs[i]?.starts ?? 0) + 1 };
  };
  const logCount = (i: number, what: RegExp) => (fs.existsSync(procs[i].logFile) ? fs.readFileSync(procs[i].logFile, 'utf8').split('\n').filter((l) => what.test(l)).length : 0);
  // Started and following /changes (a kill before that would only test start-up).
  const following = async (i: number) => {
    while (logCount(i, /following http/) < procs[i].starts) {
      const c = procs[i].child;
      if (c.exitCode !== null) throw new Error(`connector ${i} exited with code ${c.exitCode} before following /changes: ${fs.readFileSync(procs[i].logFile, 'utf8').slice(-500)}`);
      if (Date.now() > deadline) throw new Error(`connector ${i} did not start; logs in ${o.workDir}`);
      await sleep(50);
    }
  };
  const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r()));
  try {
    const set = mammogramSet(o.instances);
    const images = set.map((m) => m.bytes);
    const sops = new Set(set.map((m) => m.sop));
    // Half before the connectors start, the rest while they run (and get killed).
    const half = Math.ceil(images.length / 2);
    for (const bytes of images.slice(0, half)) await client.storeInstance(bytes);
    for (let i = 0; i < o.connectors; i++) start(i);
    let kills = 0, restarts = 0, killsInHand = 0, uploaded = half;
    for (let k = 0; k < o.kills; k++) {
      if (uploaded < images.length) {
        const n = Math.ceil((images.length - half) / Math.max(1, o.kills));
        for (const bytes of images.slice(uploaded, uploaded + n)) await client.storeInstance(bytes);
        uploaded += n;
      }
      const i = Math.floor(random() * o.connectors);
      await following(i);
      await sleep(random() * 1500);
      procs[i].child.kill('SIGKILL');
      const lines = fs.readFileSync(procs[i].logFile, 'utf8').trimEnd().split('\n');
      if (/fetching and predicting/.test(lines[lines.length - 1])) killsInHand++;
      await exited(procs[i].child);
      kills++;
      await sleep(random() * 500);
      start(i);
      restarts++;
      log(`kill ${kills}/${o.kills}: connector ${i} SIGKILLed and restarted`);
    }
    for (const bytes of images.slice(uploaded)) await client.storeInstance(bytes);
    // Wait until every connector has every instance in its state file.
    for (;;) {
      const done = procs.map((p) => statesDone(p.state, sops));
      if (done.every(Boolean)) break;
      if (Date.now() > deadline) throw new Error(`the connectors did not finish within ${(o.maxMs ?? 600_000) / 1000} s; logs in ${o.workDir}`);
      await sleep(250);
    }
    // SIGTERM once each is following /changes (a process still loading its modules has no
    // handler yet and ends by the signal's default action, with no work in hand).
    for (let i = 0; i < procs.length; i++) await following(i);
    const exitCodes: (number | null)[] = [];
    for (const p of procs) {
      p.child.kill('SIGTERM');
      await exited(p.child);
      exitCodes.push(p.child.exitCode);
    }
    const audit = await auditArchive(client);
    const stored = procs.reduce((sum, _p, i) => sum + logCount(i, /SEG \+ SR stored/), 0);
    return { killsInHand, stored, repeated: stored - o.connectors * images.length, instances: images.length, mg: audit.mg, seg: audit.seg, sr: audit.sr, other: audit.other, problems: auditProblems(audit), kills, restarts, exitCodes, seconds: (Date.now() - started) / 1000 };
  } finally {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await orthanc.stop();
  }
}

function statesDone(file: string, sops: Set<string>): boolean {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8'));
    const seen = new Set<string>([...s.processed, ...Object.keys(s.failed)]);
    for (const sop of sops) if (!seen.has(sop)) return false;
    return true;
  } catch {
    return false;
  }
}

// `npm run fuzz -- archive`: the fault run on a throwaway model (preset xs, 64 px) and folder.
export async function runArchiveFault(o: Omit<FaultOptions, 'modelDir' | 'workDir'>): Promise<FaultResult & { workDir: string }> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-fuzz-archive-'));
  const modelDir = path.join(workDir, 'model');
  await saveModel(FTMTLNet.create({ preset: 'xs', imageSize: 64, seed: o.seed ?? 1 }), modelDir);
  o.log?.(`fault run: ${o.instances} instances, ${o.connectors} connectors, ${o.kills} kills; logs and state files in ${workDir}`);
  return { ...(await runOrthancFault({ ...o, modelDir, workDir })), workDir };
}
