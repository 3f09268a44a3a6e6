// PyTorch on the CPU as the second peer of the ops bench, when python3 can import torch
// (Debian: apt install python3-torch). Runs bench/cpu_torch.py once, after our timings, with
// the same shapes and thread count; returns its median ms per (key, pass) or why it did not run.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export interface TorchConvCase { key: string; n: number; sources: number[]; h: number; w: number; k: number; r: number; stride: number; padding: number }
export interface TorchLinearCase { key: string; n: number; in: number; out: number }
export interface TorchResult { version: string; ms: Map<string, number> }

export const torchKey = (key: string, pass: string): string => `${key} | ${pass}`;

// Interpreters tried in order: $FTMTLNET_PYTHON, python3 on PATH, then Debian's (where
// python3-torch installs when PATH has another python3, e.g. pyenv's).
function interpreters(): string[] {
  return [process.env.FTMTLNET_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
}

export function runTorchPeer(spec: { threads: number; repeat: number; convs: TorchConvCase[]; linears: TorchLinearCase[] }):
  TorchResult | { error: string } {
  const script = path.resolve(__dirname, '..', '..', 'bench', 'cpu_torch.py');
  let error = 'no python3 found';
  for (const python of interpreters()) {
    const r = spawnSync(python, [script], { input: JSON.stringify(spec), encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.error) {
      error = `${python} did not start (${r.error.message})`;
      continue;
    }
    if (r.status !== 0) {
      if (/No module named 'torch'/.test(r.stderr)) {
        error = `${python} has no torch (Debian: apt install python3-torch)`;
        continue;
      }
      const last = (r.stderr || '').trim().split('\n').pop() ?? '';
      return { error: `${python} ${script} failed: ${last}` };
    }
    const out = JSON.parse(r.stdout) as { version: string; rows: { key: string; pass: string; ms: number }[] };
    return { version: out.version, ms: new Map(out.rows.map((row) => [torchKey(row.key, row.pass), row.ms])) };
  }
  return { error };
}

// The first interpreter (same order) that can import torch, or why none could.
export function findTorchPython(): { python: string; version: string } | { error: string } {
  let error = 'no python3 found';
  for (const python of interpreters()) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.error) error = `${python} did not start (${r.error.message})`;
    else if (r.status !== 0) error = `${python} has no torch (Debian: apt install python3-torch)`;
    else return { python, version: r.stdout.trim() };
  }
  return { error };
}
