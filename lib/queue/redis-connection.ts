// Redis connections for the BullMQ queue: the URL checked once, ioredis set up the way BullMQ
// needs it (no per-request retry limit), and a bounded wait for short commands (submit, queue)
// so an unreachable server gives an error naming the URL instead of hanging.
import IORedis from 'ioredis';

export type RedisConnection = IORedis;

export function checkRedisUrl(url: unknown, name = '--redis'): string {
  if (typeof url !== 'string') throw new TypeError(`Expected a redis:// or rediss:// URL for ${name} but received ${String(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`Expected a redis:// or rediss:// URL for ${name} but received ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`Expected a redis:// or rediss:// URL for ${name} but received ${JSON.stringify(url)}`);
  }
  return url;
}

// The URL without its password, for messages.
export function shownRedisUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

export interface OpenRedisOptions {
  // Give up (reject) when the server cannot be reached within this many ms; 0 = keep retrying
  // (workers: they wait for Redis to come back and say so).
  connectTimeoutMs?: number;
  log?: (line: string) => void;
}

export async function openRedis(url: string, options: OpenRedisOptions = {}): Promise<RedisConnection> {
  checkRedisUrl(url);
  const shown = shownRedisUrl(url);
  let warned = false;
  const redis = new IORedis(url, {
    maxRetriesPerRequest: null,   // BullMQ workers block on Redis; it retries commands itself
    enableReadyCheck: true,
    lazyConnect: true,
    retryStrategy: (times) => {
      if (!warned || times % 10 === 0) options.log?.(`Redis at ${shown} is unreachable; retrying (attempt ${times})`);
      warned = true;
      return Math.min(200 * 2 ** Math.min(times, 5), 5000);
    },
  });
  redis.on('error', () => { /* reported through retryStrategy; ioredis would print otherwise */ });
  redis.on('ready', () => { if (warned) options.log?.(`Redis at ${shown} is reachable again`); warned = false; });
  const timeout = options.connectTimeoutMs ?? 0;
  // connect() rejects when the first try fails; 'ready' comes after any number of retries.
  const connecting = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  redis.connect().catch(() => { /* retried by retryStrategy */ });
  if (timeout > 0) {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`cannot reach Redis at ${shown} within ${timeout / 1000} s`)), timeout);
    });
    try {
      await Promise.race([connecting, expired]);
    } catch (e) {
      redis.disconnect();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }
  return redis;
}
