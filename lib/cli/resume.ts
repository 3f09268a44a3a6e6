// `train --resume DIR`: the model is rebuilt from the checkpoint's config.json, not from the
// command-line flags. A model flag given on the command line that disagrees with the saved
// config is named in a note; the saved value wins (a strict weight load could not use it).
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { resolveConfig, type FTMTLNetConfig, type Preset, type Transfer } from '../model/config';
import { CONFIG_FILE } from '../train/checkpoint';
import { resolveResumeDir } from '../train/train-state';

// The model-shaping flags of `train` and the config fields they set.
export interface ModelFlags {
  preset: Preset;
  size: number;
  transfer: Transfer;
  seed: number;
}

const FIELDS: { flag: keyof ModelFlags; option: string; config: (c: FTMTLNetConfig) => string | number }[] = [
  { flag: 'preset', option: '--preset', config: (c) => c.preset },
  { flag: 'size', option: '--size', config: (c) => c.imageSize },
  { flag: 'transfer', option: '--transfer', config: (c) => c.transfer },
  { flag: 'seed', option: '--seed', config: (c) => c.seed },
];

// The resolved model config stored in the checkpoint a resume argument points at (the folder
// itself or its last/).
export async function readResumeConfig(dir: string): Promise<{ dir: string; config: FTMTLNetConfig }> {
  const ckDir = await resolveResumeDir(dir);
  const file = path.join(ckDir, CONFIG_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await fsp.readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot resume from ${dir}: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return { dir: ckDir, config: resolveConfig(raw as FTMTLNetConfig) };
  } catch (e) {
    throw new Error(`cannot resume from ${dir}: ${file} is not a valid FTMTLNet config: ${(e as Error).message}`);
  }
}

// The flags a resumed run uses (the saved config's values) and one note per flag that was
// given on the command line (`given`) with another value.
export function resumeFlags(config: FTMTLNetConfig, flags: ModelFlags, given: ReadonlySet<string>): { flags: ModelFlags; notes: string[] } {
  const out = { ...flags };
  const notes: string[] = [];
  for (const f of FIELDS) {
    const saved = f.config(config);
    if (given.has(f.flag) && flags[f.flag] !== saved) {
      notes.push(`${f.option} ${flags[f.flag]} disagrees with the checkpoint's config.json (${f.flag} ${saved}); resuming with ${f.flag} ${saved}`);
    }
    (out as Record<string, unknown>)[f.flag] = saved;
  }
  return { flags: out, notes };
}

// The validation share a run started with, kept in its folder as split.json so that --resume
// trains on the same images (the split follows from the share and the seed). Runs written
// before split.json existed all started with the old default of 0.2 unless told otherwise.
export const SPLIT_FILE = 'split.json';
export const SPLIT_DEFAULT_BEFORE_FILE = 0.2;

export async function writeRunSplit(runDir: string, valFraction: number): Promise<void> {
  await fsp.mkdir(runDir, { recursive: true });
  await fsp.writeFile(path.join(runDir, SPLIT_FILE), JSON.stringify({ valFraction }, null, 2) + '\n');
}

// The share saved in the first of `dirs` holding split.json, or null when none does.
export async function readRunSplit(dirs: readonly string[]): Promise<{ valFraction: number; file: string } | null> {
  for (const dir of dirs) {
    const file = path.join(dir, SPLIT_FILE);
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch {
      continue;
    }
    let parsed: { valFraction?: unknown } | null;
    try {
      parsed = JSON.parse(text) as { valFraction?: unknown } | null;
    } catch (e) {
      throw new Error(`cannot resume: ${file} is not JSON (${(e as Error).message}); give --val-fraction`);
    }
    const v = parsed?.valFraction;
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new Error(`cannot resume: ${file} holds no valFraction in [0, 1) (${JSON.stringify(v)}); give --val-fraction`);
    return { valFraction: v, file };
  }
  return null;
}
