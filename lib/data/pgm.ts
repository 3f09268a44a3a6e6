// Reads and writes PGM (netpbm P5 binary and P2 ASCII; maxval up to 65535, 16-bit big endian).

import { DataFormatError } from './errors';
import type { RasterImage } from './png';
import { checkDeclaredSize, resolveDecodeLimits, type DecodeLimits } from './limits';

export function isPgm(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x50 && (bytes[1] === 0x35 || bytes[1] === 0x32);
}

export function decodePgm(bytes: Uint8Array, file = '<buffer>', limits: DecodeLimits = resolveDecodeLimits()): RasterImage & { maxval: number } {
  if (!isPgm(bytes)) throw new DataFormatError(file, 'not a PGM file (expected P5 or P2 magic)');
  const ascii = bytes[1] === 0x32;
  let p = 2;
  const header: number[] = [];
  while (header.length < 3) {
    while (p < bytes.length && (bytes[p] === 0x20 || bytes[p] === 0x0a || bytes[p] === 0x0d || bytes[p] === 0x09)) p++;
    if (p < bytes.length && bytes[p] === 0x23) { while (p < bytes.length && bytes[p] !== 0x0a) p++; continue; }
    let s = '';
    while (p < bytes.length && bytes[p] >= 0x30 && bytes[p] <= 0x39) s += String.fromCharCode(bytes[p++]);
    if (!s) throw new DataFormatError(file, 'PGM header is truncated or malformed');
    header.push(Number(s));
  }
  const [width, height, maxval] = header;
  if (!width || !height || !maxval || maxval > 65535) throw new DataFormatError(file, `PGM header has invalid width ${width}, height ${height} or maxval ${maxval}`);
  const bitDepth: 8 | 16 = maxval > 255 ? 16 : 8;
  checkDeclaredSize(file, width, height, bitDepth / 8, limits);
  const n = width * height;
  const values = bitDepth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  if (ascii) {
    const text = new TextDecoder().decode(bytes.subarray(p)).replace(/#[^\n]*/g, '').trim().split(/\s+/).filter(Boolean);
    if (text.length < n) throw new DataFormatError(file, `PGM has ${text.length} values, expected ${n} (truncated?)`);
    for (let i = 0; i < n; i++) values[i] = Number(text[i]);
  } else {
    p++; // the single whitespace after maxval
    const need = n * (bitDepth === 16 ? 2 : 1);
    if (bytes.length - p < need) throw new DataFormatError(file, `PGM pixel data has ${Math.max(0, bytes.length - p)} bytes, expected ${need} (truncated?)`);
    for (let i = 0; i < n; i++) values[i] = bitDepth === 16 ? (bytes[p + 2 * i] << 8) | bytes[p + 2 * i + 1] : bytes[p + i];
  }
  for (let i = 0; i < n; i++) if (values[i] > maxval) throw new DataFormatError(file, `PGM value ${values[i]} exceeds maxval ${maxval}`);
  return { width, height, bitDepth, values, maxval };
}

export function encodePgm(width: number, height: number, values: Uint8Array | Uint16Array, maxval = values instanceof Uint16Array ? 65535 : 255): Buffer {
  const header = Buffer.from(`P5\n# ftmtlnet\n${width} ${height}\n${maxval}\n`, 'ascii');
  const wide = maxval > 255;
  const body = Buffer.alloc(width * height * (wide ? 2 : 1));
  for (let i = 0; i < width * height; i++) {
    if (wide) body.writeUInt16BE(values[i], 2 * i); else body[i] = values[i];
  }
  return Buffer.concat([header, body]);
}
