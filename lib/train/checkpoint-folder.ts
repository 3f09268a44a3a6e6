// A checkpoint folder as one atomic unit. Every file is written into a fresh staging folder, a
// manifest.json with the size and SHA-256 of each file is written last, and only then does the
// staging folder replace the target (the old one kept as .<name>.previous until the swap is
// done). A kill at any moment leaves the target complete, or no target and a complete
// .<name>.previous; resume checks the manifest and falls back, saying which folder it used.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { syncDir, writeFileAtomic } from './safetensors';

export const MANIFEST_FILE = 'manifest.json';

export interface CheckpointManifest {
  format: 'ftmtlnet-checkpoint-manifest';
  version: 1;
  epoch?: number;
  files: Record<string, { bytes: number; sha256: string }>;
}

async function sha256File(file: string): Promise<{ bytes: number; sha256: string }> {
  const data = await fsp.readFile(file);
  return { bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

async function exists(p: string): Promise<boolean> {
  return fsp.access(p).then(() => true, () => false);
}

export function previousFolder(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.previous`);
}

// Writes the manifest of every file now in `dir` (written last: its presence means complete).
export async function writeManifest(dir: string, extra: { epoch?: number } = {}): Promise<void> {
  await fsp.rm(path.join(dir, MANIFEST_FILE), { force: true });
  const names = (await fsp.readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort();
  const files: CheckpointManifest['files'] = {};
  for (const n of names) files[n] = await sha256File(path.join(dir, n));
  const manifest: CheckpointManifest = { format: 'ftmtlnet-checkpoint-manifest', version: 1, ...extra, files };
  await writeFileAtomic(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
}

// Why `dir` is not a complete checkpoint, or null when every file matches its manifest.
export async function checkManifest(dir: string): Promise<string | null> {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch {
    if (!(await exists(dir))) return `${dir} does not exist`;
    return `${file} is missing (the save did not finish, the folder was written by model.save or edited, or an ftmtlnet without manifests wrote it)`;
  }
  let m: CheckpointManifest;
  try {
    m = JSON.parse(text);
  } catch (e) {
    return `${file} is not valid JSON: ${(e as Error).message}`;
  }
  if (!m || m.format !== 'ftmtlnet-checkpoint-manifest' || !m.files || typeof m.files !== 'object') return `${file} is not an ftmtlnet checkpoint manifest`;
  for (const [name, want] of Object.entries(m.files)) {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) return `${file} lists an invalid file name ${JSON.stringify(name)}`;
    const got = await sha256File(path.join(dir, name)).catch(() => null);
    if (!got) return `${path.join(dir, name)} is missing`;
    if (got.bytes !== want.bytes || got.sha256 !== want.sha256) {
      return `${path.join(dir, name)} does not match the manifest (${got.bytes} bytes, SHA-256 ${got.sha256.slice(0, 12)}..., expected ${want.bytes} bytes, ${String(want.sha256).slice(0, 12)}...)`;
    }
  }
  return null;
}

// Replaces `target` with a folder filled by `fill`, as one unit (see the file comment).
export async function writeCheckpointFolder(target: string, fill: (dir: string) => Promise<void>, extra: { epoch?: number } = {}): Promise<void> {
  const parent = path.dirname(target);
  const name = path.basename(target);
  await fsp.mkdir(parent, { recursive: true });
  // Staging folders of saves that never finished (killed) are removed first.
  for (const e of await fsp.readdir(parent)) {
    if (e.startsWith(`.${name}.staging-`)) await fsp.rm(path.join(parent, e), { recursive: true, force: true });
  }
  const staging = path.join(parent, `.${name}.staging-${process.pid}-${Date.now()}`);
  await fsp.mkdir(staging);
  await fill(staging);
  await writeManifest(staging, extra);
  await syncDir(staging);
  const previous = previousFolder(target);
  if (await exists(target)) {
    await fsp.rm(previous, { recursive: true, force: true });
    await fsp.rename(target, previous);
  }
  await fsp.rename(staging, target);
  await syncDir(parent);
  await fsp.rm(previous, { recursive: true, force: true });
}

// The newest complete checkpoint among `target` and its .previous: the folder and a note for
// each candidate passed over. Throws listing every reason when none is complete.
export async function findCompleteCheckpoint(target: string): Promise<{ dir: string; passedOver: string[] }> {
  const passedOver: string[] = [];
  const previous = previousFolder(target);
  for (const dir of [target, previous]) {
    const why = await checkManifest(dir);
    if (why === null) return { dir, passedOver };
    passedOver.push(why);
  }
  throw new Error(`no complete checkpoint at ${target}: ${passedOver.join('; ')}`);
}
