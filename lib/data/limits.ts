// Resource limits for decoding untrusted images, shared by the CLI, the API, the service and the
// queue workers: sizes are checked against the header's declared size before anything is
// allocated, and a codec gets a deadline that grows with the frame's size.
import { DataFormatError } from './errors';

export interface DecodeLimits {
  // Decoded pixels per image (Rows x Columns). Default 2^26 = 67,108,864 (e.g. 8192 x 8192; a
  // full-field mammogram is 10-30 M).
  maxPixels: number;
  // Decoded sample bytes per image (pixels x bytes per sample). Default 256 MiB. A Deflated
  // transfer syntax data set may inflate to at most this plus 16 MiB for the header.
  maxDecodedBytes: number;
  // Codec deadline for one frame: codecBaseMs + codecMsPerMegapixel x megapixels, counted from
  // when the codec starts on it. Defaults 2000 ms + 1000 ms per megapixel (a 20 MP mammogram: 22 s).
  codecBaseMs: number;
  codecMsPerMegapixel: number;
}

export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxPixels: 2 ** 26,
  maxDecodedBytes: 256 * 2 ** 20,
  codecBaseMs: 2000,
  codecMsPerMegapixel: 1000,
});

// Room for the header (and the odd overlay) beyond the pixel data when inflating a data set.
export const INFLATE_HEADER_ALLOWANCE = 16 * 2 ** 20;

let processLimits: DecodeLimits = { ...DEFAULT_DECODE_LIMITS };

// Checks a partial limits object ("Expected a positive number for limits.maxPixels but received -1").
export function checkDecodeLimits(limits: Partial<DecodeLimits>, name = 'limits'): Partial<DecodeLimits> {
  if (limits === null || typeof limits !== 'object' || Array.isArray(limits)) {
    throw new TypeError(`Expected a limits object for ${name} but received ${shown(limits)}`);
  }
  for (const [key, value] of Object.entries(limits)) {
    if (!(key in DEFAULT_DECODE_LIMITS)) {
      throw new TypeError(`Expected one of ${Object.keys(DEFAULT_DECODE_LIMITS).join(', ')} for a key of ${name} but received ${JSON.stringify(key)}`);
    }
    if (value === undefined) continue;
    const zeroOk = key === 'codecMsPerMegapixel';
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!zeroOk && value === 0)) {
      throw new RangeError(`Expected ${zeroOk ? 'a finite number >= 0' : 'a finite number > 0'} for ${name}.${key} but received ${shown(value)}`);
    }
  }
  return limits;
}

// Sets the limits used when a call passes none (the CLI's --max-pixels etc., a service's start-up).
export function setDecodeLimits(limits: Partial<DecodeLimits>): DecodeLimits {
  checkDecodeLimits(limits);
  processLimits = { ...processLimits, ...definedOnly(limits) };
  return { ...processLimits };
}

export function resetDecodeLimits(): void {
  processLimits = { ...DEFAULT_DECODE_LIMITS };
}

// The limits of one call: the process-wide ones, overridden by the call's own.
export function resolveDecodeLimits(limits: Partial<DecodeLimits> = {}): DecodeLimits {
  checkDecodeLimits(limits);
  return { ...processLimits, ...definedOnly(limits) };
}

function shown(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'an array' : String(v);
}

function definedOnly(limits: Partial<DecodeLimits>): Partial<DecodeLimits> {
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
}

// Refuses an image whose declared size is over the limits, before its buffers are allocated.
export function checkDeclaredSize(file: string, width: number, height: number, bytesPerSample: number, limits: DecodeLimits): void {
  const pixels = width * height;
  if (pixels > limits.maxPixels) {
    throw new DataFormatError(file, `declared image size ${width}x${height} (${pixels} pixels) exceeds the limit of ${limits.maxPixels} pixels (maxPixels)`);
  }
  const bytes = pixels * bytesPerSample;
  if (bytes > limits.maxDecodedBytes) {
    throw new DataFormatError(file, `declared image size ${width}x${height} at ${bytesPerSample * 8} bits decodes to ${bytes} bytes, over the limit of ${limits.maxDecodedBytes} bytes (maxDecodedBytes)`);
  }
}

// The deadline for decoding one frame of `pixels` pixels.
export function codecDeadlineMs(limits: DecodeLimits, pixels: number): number {
  return Math.round(limits.codecBaseMs + limits.codecMsPerMegapixel * (pixels / 1e6));
}
