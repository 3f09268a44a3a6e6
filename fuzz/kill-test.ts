// The kill test: trains a tiny model while sending SIGKILL at random moments (half of them
// timed to land inside a checkpoint save: when a staging folder appears), resumes each time,
// and checks that every run's final weights are bit-identical to an uninterrupted run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { seededRng } from './cases';

export interface KillReport {
  kills: number;
  killsInsideSave: number;       // the killed process's staging folder (or a .previous it made) was on disk
  killsBeforeFirstSave: number;
  resumesFromPrevious: number;   // resume passed over last/ and used .last.previous
  runs: number;                  // trainings carried to the end through the kills
  allIdentical: boolean;         // every run's final weights equal the uninterrupted run's, byte for byte
  leftovers: string[];           // staging or .previous folders left after a finished run
  failures: string[];            // a child that failed on its own (not killed)
  referenceSeconds: number;
  seconds: number;
}

const EPOCHS = 6;
const CHILD = path.join(__dirname, 'kill-child.js');

interface ChildResult { killed: boolean; code: number | null; stdout: string; stderr: string; pid: number }

// Kills the child `afterMs` after its start, or `jitterMs` after the n-th checkpoint save of
// this process started (its staging folder appeared), or never.
function runChild(out: string, killAt: 'never' | { afterMs: number } | { inSave: number; jitterMs: number }): Promise<ChildResult & { firstSaveMs: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, out, String(EPOCHS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', killed = false;
    const t0 = Date.now();
    let firstSaveMs: number | null = null;
    const seen = new Set<string>();
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const kill = () => { if (!killed && child.exitCode === null) { killed = true; child.kill('SIGKILL'); } };
    let poll: NodeJS.Timeout | undefined;
    let timer: NodeJS.Timeout | undefined;
    if (killAt !== 'never' && 'afterMs' in killAt) timer = setTimeout(kill, killAt.afterMs);
    poll = setInterval(() => {
      let names: string[] = [];
      try { names = readdirSync(out); } catch { return; }
      for (const n of names) if (n.includes('.staging-')) seen.add(n);
      if (seen.size > 0 && firstSaveMs === null) firstSaveMs = Date.now() - t0;
      if (killAt !== 'never' && 'inSave' in killAt && seen.size >= killAt.inSave && !timer) timer = setTimeout(kill, killAt.jitterMs);
    }, 1);
    child.on('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ killed, code, stdout, stderr, firstSaveMs, pid: child.pid ?? -1 });
    });
  });
}

function finalWeights(out: string): Buffer {
  return readFileSync(path.join(out, 'last', 'weights.safetensors'));
}

export async function runKillTest(o: { kills: number; seed: number; log: (line: string) => void }): Promise<KillReport> {
  const started = Date.now();
  const root = mkdtempSync(path.join(os.tmpdir(), 'ftm-kill-'));
  const rnd = seededRng(o.seed);
  try {
    const refDir = path.join(root, 'reference');
    const t0 = Date.now();
    const ref = await runChild(refDir, 'never');
    if (ref.code !== 0) throw new Error(`the uninterrupted run failed: ${ref.stderr.trim()}`);
    const referenceSeconds = (Date.now() - t0) / 1000;
    const firstSaveMs = ref.firstSaveMs ?? 0;
    const reference = finalWeights(refDir);
    o.log(`reference run: ${EPOCHS} epochs in ${referenceSeconds.toFixed(1)} s (first save after ${firstSaveMs} ms)`);
    const report: KillReport = {
      kills: 0, killsInsideSave: 0, killsBeforeFirstSave: 0, resumesFromPrevious: 0, runs: 0, allIdentical: true,
      leftovers: [], failures: [], referenceSeconds, seconds: 0,
    };
    while (report.kills < o.kills) {
      const out = path.join(root, `run-${report.runs}`);
      let killsThisRun = 0;
      for (;;) {
        // Up to 6 kills per run, then it may finish.
        // Random moments from start-up to the end; or inside the n-th save (best/ and last/: up to 2 per epoch).
        const mode = killsThisRun >= 6 ? 'never'
          : rnd() < 0.5 ? { afterMs: Math.floor(firstSaveMs / 2 + rnd() * (referenceSeconds * 1000 - firstSaveMs / 2)) }
            : { inSave: 1 + Math.floor(rnd() * 2 * EPOCHS), jitterMs: Math.floor(rnd() * 20) };
        const before = existsSync(out) ? readdirSync(out) : [];
        const r = await runChild(out, mode);
        report.resumesFromPrevious += (r.stdout.match(/^resumed from .*\.last\.previous:/gm) ?? []).length;
        if (r.killed) {
          killsThisRun++;
          report.kills++;
          const names = existsSync(out) ? readdirSync(out) : [];
          // Inside a save: this process's staging folder, or a .previous it made, is on disk.
          if (names.some((n) => n.includes(`.staging-${r.pid}-`) || (n.endsWith('.previous') && !before.includes(n)))) report.killsInsideSave++;
          if (!names.includes('last') && !names.includes('.last.previous')) report.killsBeforeFirstSave++;
          continue;
        }
        if (r.code !== 0 || !r.stdout.includes('DONE')) {
          report.failures.push(`run ${report.runs}: exit ${r.code}: ${r.stderr.trim().split('\n').pop()}`);
          break;
        }
        break;
      }
      if (existsSync(path.join(out, 'last'))) {
        const same = Buffer.compare(finalWeights(out), reference) === 0;
        if (!same) report.allIdentical = false;
        const left = readdirSync(out).filter((n) => n.startsWith('.'));
        if (left.length) report.leftovers.push(`run ${report.runs}: ${left.join(', ')}`);
        o.log(`run ${report.runs}: ${killsThisRun} kills, final weights ${same ? 'identical' : 'DIFFERENT'} (total ${report.kills} kills, ${report.killsInsideSave} inside saves)`);
      } else {
        report.allIdentical = false;
      }
      report.runs++;
      rmSync(out, { recursive: true, force: true });
    }
    report.seconds = (Date.now() - started) / 1000;
    return report;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
