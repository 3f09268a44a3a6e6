// Orthanc's REST API for the connector: basic authentication, JSON and DICOM bodies, and retries
// with backoff (0.5 s doubling to 30 s) while Orthanc is unreachable or answers 5xx, saying so in
// the log. A 4xx answer is the request's own fault and is thrown at once (OrthancHttpError).
export class OrthancHttpError extends Error {
  constructor(readonly status: number, readonly method: string, readonly route: string, detail: string) {
    super(`Orthanc answered ${status} to ${method} ${route}${detail ? `: ${detail}` : ''}`);
    this.name = 'OrthancHttpError';
  }
}

// Thrown out of a request (or its backoff wait) once the connector has been asked to stop.
export class StopRequested extends Error {
  constructor() {
    super('stop requested');
    this.name = 'StopRequested';
  }
}

export interface OrthancClientOptions {
  url: string;
  user?: string;
  password?: string;
  log?: (line: string) => void;
  signal?: AbortSignal;          // aborting ends retries and waits with StopRequested
  firstBackoffMs?: number;       // default 500
  maxBackoffMs?: number;         // default 30000
  requestTimeoutMs?: number;     // one request, default 120000
}

export function checkOrthancUrl(url: unknown, name = '--url'): string {
  let parsed: URL | null = null;
  try { parsed = typeof url === 'string' ? new URL(url) : null; } catch { parsed = null; }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new TypeError(`Expected an http:// or https:// URL for ${name} but received ${JSON.stringify(url)}`);
  }
  return (url as string).replace(/\/+$/, '');
}

// Waits ms, or throws StopRequested as soon as the signal aborts.
export function sleepUnlessStopped(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new StopRequested());
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(timer); reject(new StopRequested()); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class OrthancClient {
  readonly url: string;
  private readonly headers: Record<string, string> = {};
  private failing = false;

  constructor(private readonly options: OrthancClientOptions) {
    this.url = checkOrthancUrl(options.url);
    if (options.user !== undefined) {
      this.headers.authorization = `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}`;
    }
  }

  async getJson<T>(route: string): Promise<T> {
    return JSON.parse((await this.request('GET', route, undefined, 'application/json')).toString('utf8')) as T;
  }

  async getBytes(route: string): Promise<Buffer> {
    return this.request('GET', route, undefined, 'application/dicom');
  }

  // Stores one DICOM instance (REST POST /instances); "AlreadyStored" when Orthanc has it already.
  async storeInstance(bytes: Uint8Array): Promise<{ ID: string; Status: string }> {
    return JSON.parse((await this.request('POST', '/instances', bytes, 'application/json')).toString('utf8'));
  }

  async request(method: string, route: string, body?: Uint8Array, accept?: string): Promise<Buffer> {
    const log = this.options.log ?? (() => {});
    let wait = this.options.firstBackoffMs ?? 500;
    // A stop request ends the retries (in the backoff wait), not a request's first try: the
    // instance in hand still gets its results stored.
    for (let attempt = 1; ; attempt++) {
      let problem: string;
      try {
        const res = await fetch(`${this.url}${route}`, {
          method,
          headers: { ...this.headers, ...(accept ? { accept } : {}), ...(body ? { 'content-type': 'application/dicom' } : {}) },
          body: body ? (Buffer.from(body.buffer, body.byteOffset, body.byteLength) as unknown as BodyInit) : undefined,
          signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 120_000),
        });
        const bytes = Buffer.from(await res.arrayBuffer());
        if (res.ok) {
          if (this.failing) log(`Orthanc at ${this.url} answers again`);
          this.failing = false;
          return bytes;
        }
        const detail = bytes.toString('utf8').slice(0, 300).replace(/\s+/g, ' ').trim();
        if (res.status < 500) throw new OrthancHttpError(res.status, method, route, res.status === 401 ? 'wrong or missing --user/--password' : detail);
        problem = `answered ${res.status} to ${method} ${route}`;
      } catch (e) {
        if (e instanceof OrthancHttpError) throw e;
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        problem = `is unreachable (${cause?.code ?? cause?.message ?? (e as Error).message})`;
      }
      this.failing = true;
      log(`Orthanc at ${this.url} ${problem}; retrying in ${(wait / 1000).toFixed(1)} s (attempt ${attempt})`);
      await sleepUnlessStopped(wait, this.options.signal);
      wait = Math.min(wait * 2, this.options.maxBackoffMs ?? 30_000);
    }
  }
}
