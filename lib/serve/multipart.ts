// A multipart/related body of DICOM parts (the DICOMweb shape: type="application/dicom"), and a
// reader for it (tests and clients).
import { randomBytes } from 'node:crypto';

export interface Part {
  contentType: string;
  headers?: Record<string, string>;
  body: Uint8Array;
}

export function encodeMultipart(parts: Part[]): { contentType: string; body: Buffer } {
  const boundary = `ftmtlnet-${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const head = [`--${boundary}`, `Content-Type: ${p.contentType}`, `Content-Length: ${p.body.byteLength}`,
      ...Object.entries(p.headers ?? {}).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
    chunks.push(Buffer.from(`${head}\r\n\r\n`), Buffer.from(p.body.buffer, p.body.byteOffset, p.body.byteLength), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

// Splits a multipart body (as written above: every part has a Content-Length).
export function decodeMultipart(contentType: string, body: Buffer): Part[] {
  const m = /boundary=("?)([^";]+)\1/.exec(contentType);
  if (!m) throw new Error(`no boundary in Content-Type ${contentType}`);
  const delimiter = Buffer.from(`--${m[2]}`);
  const parts: Part[] = [];
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break;
    const headEnd = body.indexOf('\r\n\r\n', pos);
    const headers: Record<string, string> = {};
    for (const line of body.subarray(pos, headEnd).toString('latin1').split('\r\n').filter(Boolean)) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const start = headEnd + 4;
    const length = Number(headers['content-length']);
    parts.push({ contentType: headers['content-type'], headers, body: body.subarray(start, start + length) });
    pos = body.indexOf(delimiter, start + length);
  }
  return parts;
}
