// Integrity of exported ONNX files: the SHA-256 of the whole serialized model is appended as a
// last metadata_props entry "ftmtlnet.sha256" (ModelProto field 14; protobuf allows a repeated
// field to continue at the end), and checked on import before anything is read from the bytes.
// A flipped bit anywhere (weights, graph, config) is refused instead of changing predictions.
import { createHash } from 'node:crypto';

export const CHECKSUM_KEY = 'ftmtlnet.sha256';

// 0x72: field 14 (metadata_props), wire type 2; entry: key (field 1) and value (field 2).
function trailer(hex: string): Buffer {
  const key = Buffer.from(CHECKSUM_KEY, 'ascii');
  const value = Buffer.from(hex, 'ascii');
  const entry = Buffer.concat([Buffer.from([0x0a, key.length]), key, Buffer.from([0x12, value.length]), value]);
  return Buffer.concat([Buffer.from([0x72, entry.length]), entry]);
}

const TRAILER_LENGTH = trailer('0'.repeat(64)).length;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// The model bytes with their checksum entry appended (deterministic: same model, same bytes).
export function sealOnnx(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.concat([bytes, trailer(sha256(bytes))]));
}

// Throws naming `file` when the checksum entry is missing or does not match the bytes before it.
export function verifyOnnx(bytes: Uint8Array, file: string): void {
  const n = bytes.length - TRAILER_LENGTH;
  const tail = Buffer.from(bytes.buffer, bytes.byteOffset + Math.max(0, n), Math.min(bytes.length, TRAILER_LENGTH));
  const expected = n > 0 ? tail.subarray(TRAILER_LENGTH - 64).toString('latin1') : '';
  if (n <= 0 || !/^[0-9a-f]{64}$/.test(expected) || !tail.equals(trailer(expected))) {
    throw new Error(`${file} has no ${CHECKSUM_KEY} checksum at its end: it was truncated or edited after export, or exported by an older ftmtlnet; re-export it from the checkpoint`);
  }
  const actual = sha256(bytes.subarray(0, n));
  if (actual !== expected) {
    throw new Error(`${file} is corrupt: its SHA-256 ${actual} does not match the ${CHECKSUM_KEY} ${expected} written at export (a changed bit or an edit after export); re-export it from the checkpoint`);
  }
}
