// Checks on a source image before it is fetched or read whole (the queue worker and the
// Orthanc connector), and which failures are the input's own fault (never worth a retry).
import { DataFormatError } from './errors';
import { INFLATE_HEADER_ALLOWANCE, resolveDecodeLimits, type DecodeLimits } from './limits';

// A file larger than the decoded-bytes limit plus room for the header cannot decode within the
// limits (compressed pixel data is smaller than decoded), so it is refused unread.
export function checkSourceBytes(name: string, bytes: number, limits: DecodeLimits = resolveDecodeLimits()): void {
  const max = limits.maxDecodedBytes + INFLATE_HEADER_ALLOWANCE;
  if (bytes > max) throw new DataFormatError(name, `is ${bytes} bytes, over the limit of ${max} bytes for one image (maxDecodedBytes + 16 MiB)`);
}

// Errors that the same input will raise again: corrupt or unsupported data, out-of-range sizes,
// a missing file. Anything else (a crashed worker thread, a full disk) may pass on a retry.
export function isInputError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') return true;
  return ['DataFormatError', 'UnsupportedTransferSyntaxError', 'RangeError', 'TypeError'].includes(e.name);
}
