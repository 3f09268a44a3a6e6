// The safetensors format (https://github.com/huggingface/safetensors), F32 only:
// 8-byte little-endian header length N, N bytes of JSON header
// { "__metadata__": {str: str}, name: { dtype: "F32", shape: [...], data_offsets: [begin, end] } },
// padded with spaces to a multiple of 8, then the raw little-endian data.
// PyTorch reads it with safetensors.torch.load_file.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Tensor } from '../tensor';

export interface SafetensorsContent {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

const MAX_HEADER = 100 * 1024 * 1024;

// The file's bytes: header then the tensors in the order given.
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new RangeError('a tensor may not be named __metadata__');
    const bytes = t.numel * 4;
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const pad = (8 - (Buffer.byteLength(json) % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const t of Object.values(tensors)) {
    const src = Buffer.from(t.data.buffer, t.data.byteOffset, t.numel * 4);
    src.copy(out, at);
    at += src.length;
  }
  return out;
}

// Parses a safetensors file's bytes; `file` names it in every error.
export function decodeSafetensors(buf: Buffer, file: string): SafetensorsContent {
  if (buf.length < 8) throw new Error(`${file} is truncated: ${buf.length} bytes, fewer than the 8-byte header length`);
  const n64 = buf.readBigUInt64LE(0);
  if (n64 > BigInt(MAX_HEADER)) throw new Error(`${file} has a corrupt header: header length ${n64} is not plausible`);
  const n = Number(n64);
  if (8 + n > buf.length) throw new Error(`${file} is truncated: the header needs ${n} bytes but only ${buf.length - 8} follow`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  } catch (e) {
    throw new Error(`${file} has a corrupt header: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new Error(`${file} has a corrupt header: not a JSON object`);
  }
  const dataStart = 8 + n;
  const dataLength = buf.length - dataStart;
  const tensors: Record<string, Tensor> = {};
  const spans: { name: string; shape: number[]; begin: number; end: number }[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!entry || typeof entry !== 'object' || Array.isArray(entry) || Object.values(entry).some((v) => typeof v !== 'string')) {
        throw new Error(`${file} has a corrupt header: __metadata__ is not an object of strings`);
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!e || typeof e !== 'object') throw new Error(`${file} has a corrupt header: entry ${name} is not an object`);
    if (e.dtype !== 'F32') throw new Error(`${file}: tensor ${name} has dtype ${String(e.dtype)}; only F32 is supported`);
    const shape = e.shape;
    const offs = e.data_offsets;
    if (!Array.isArray(shape) || shape.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new Error(`${file} has a corrupt header: tensor ${name} has shape ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || offs.some((o) => !Number.isInteger(o) || o < 0) || offs[1] < offs[0]) {
      throw new Error(`${file} has a corrupt header: tensor ${name} has data_offsets ${JSON.stringify(offs)}`);
    }
    const numel = (shape as number[]).reduce((p, s) => p * s, 1);
    if (offs[1] - offs[0] !== numel * 4) {
      throw new Error(`${file} has a corrupt header: tensor ${name} of shape [${shape.join(', ')}] needs ${numel * 4} bytes but data_offsets span ${offs[1] - offs[0]}`);
    }
    if (offs[1] > dataLength) {
      throw new Error(`${file} is truncated: tensor ${name} ends at byte ${offs[1]} of the data but the file holds ${dataLength} data bytes`);
    }
    if (numel === 0) throw new Error(`${file}: tensor ${name} is empty (shape [${shape.join(', ')}]); empty tensors are not supported`);
    spans.push({ name, shape: shape as number[], begin: offs[0], end: offs[1] });
  }
  // The format requires the tensors to tile the data in order, without gaps or overlaps.
  spans.sort((a, b) => a.begin - b.begin);
  let at = 0;
  for (const s of spans) {
    if (s.begin !== at) {
      const prev = spans[spans.indexOf(s) - 1];
      throw new Error(`${file} has a corrupt header: tensor ${s.name} starts at data byte ${s.begin} but ${prev ? `tensor ${prev.name} ends at ${at}` : 'the data starts at 0'} (${s.begin < at ? 'overlapping' : 'a gap between'} data_offsets; they must be contiguous and in order)`);
    }
    at = s.end;
  }
  if (at !== dataLength) throw new Error(`${file} has ${dataLength - at} bytes after its last tensor (data_offsets must cover the data exactly)`);
  for (const s of spans) {
    const data = new Float32Array((s.end - s.begin) / 4);
    buf.copy(Buffer.from(data.buffer), 0, dataStart + s.begin, dataStart + s.end);
    tensors[s.name] = Tensor.from(data, s.shape);
  }
  return { tensors, metadata };
}

// Writes `bytes` to `file` atomically: a temp file in the same folder, fsync, rename, fsync folder.
// Temp files of earlier writes of `file` whose process is gone (killed mid-write) are removed.
export async function writeFileAtomic(file: string, bytes: Buffer | Uint8Array | string): Promise<void> {
  const dir = path.dirname(file);
  await removeStaleTempFiles(dir, path.basename(file));
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}`);
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dir);
}

async function removeStaleTempFiles(dir: string, base: string): Promise<void> {
  const prefix = `.${base}.tmp-`;
  for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    await fsp.rm(path.join(dir, name), { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// fsync of a folder, so that the renames and new entries in it are on disk.
export async function syncDir(dir: string): Promise<void> {
  const dh = await fsp.open(dir, 'r');
  try {
    await dh.sync();
  } catch {
    // some file systems do not support fsync on a directory
  } finally {
    await dh.close();
  }
}

export async function writeSafetensors(file: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

export async function readSafetensors(file: string): Promise<SafetensorsContent> {
  return decodeSafetensors(await fsp.readFile(file), file);
}
