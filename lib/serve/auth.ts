// Bearer-token check for the service: constant-time comparison of SHA-256 digests (equal
// lengths whatever the presented token), so timing reveals neither the token nor its length.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function bearerChecker(token: string): (authorization: string | undefined) => boolean {
  if (!token) throw new RangeError('Expected a non-empty string for token but received ""');
  const expected = digest(token);
  return (authorization) => {
    const m = /^Bearer[ ]+(.+)$/i.exec(authorization ?? '');
    const presented = digest(m ? m[1].trim() : '');
    return timingSafeEqual(presented, expected) && !!m;
  };
}
