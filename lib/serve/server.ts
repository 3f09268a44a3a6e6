// `ftmtlnet serve`: a fastify service over a pool of inference workers. KServe v2 routes,
// POST /v1/predict, GET /metrics; a bearer token (when given) on every route but /v2/health/*;
// a body size limit; a bounded inference queue (503 + Retry-After when full); close() stops
// accepting, lets what is in flight finish, then stops the workers.
import Fastify, { type FastifyInstance } from 'fastify';
import { InferencePool } from './inference-pool';
import { createMetrics, type ServiceMetrics } from './metrics';
import { bearerChecker } from './auth';
import { errorHandler } from './errors';
import { registerV1Routes, IMAGE_CONTENT_TYPES } from './routes-v1';
import { registerV2Routes } from './routes-v2';
import type { ModelInfo, ServiceContext } from './context';
import { resolveDecodeLimits, type DecodeLimits } from '../data/limits';
import { packageVersion } from '../package-version';
import { loadModel } from '../train/model-checkpoint';

export interface ServiceOptions {
  modelDir: string;
  token?: string;             // bearer token required on every route but /v2/health/*
  workers?: number;           // inference worker threads (default 1)
  threads?: number;           // native threads per worker (default: cores / workers)
  maxQueue?: number;          // requests waiting for a worker before 503 (default 16)
  bodyLimit?: number;         // bytes (default 128 MiB)
  retryAfterSeconds?: number; // Retry-After of a 503 (default 1)
  threshold?: number;         // default detection threshold (default 0.3)
  maxBatch?: number;          // largest N of a v2 infer tensor (default 8)
  limits?: Partial<DecodeLimits>;
  logger?: boolean;
}

export interface Service {
  app: FastifyInstance;
  pool: InferencePool;
  metrics: ServiceMetrics;
  ready: Promise<void>;       // resolves when every worker has loaded the model
  close(): Promise<void>;
}

// Loads the checkpoint once here (a corrupt or mismatched one fails now, with the reader's
// message, not later in every worker) and keeps only what the routes need.
async function readModelInfo(dir: string): Promise<ModelInfo> {
  const { config } = await loadModel(dir);
  return { name: 'ftmtlnet', version: packageVersion(), imageSize: config.imageSize, classNames: [...config.classNames], headStride: config.headStride };
}

export async function createService(options: ServiceOptions): Promise<Service> {
  const model = await readModelInfo(options.modelDir);
  const bodyLimit = options.bodyLimit ?? 128 * 2 ** 20;
  const pool = new InferencePool({
    modelDir: options.modelDir, workers: options.workers, threads: options.threads, maxQueue: options.maxQueue,
    limits: resolveDecodeLimits(options.limits ?? {}),
  });
  const metrics = createMetrics(pool);
  let ready = false, closing = false;
  const readyPromise = pool.ready().then(() => { ready = true; });
  readyPromise.catch(() => {});
  const ctx: ServiceContext = {
    pool, metrics, model, bodyLimit,
    threshold: options.threshold ?? 0.3,
    maxBatch: options.maxBatch ?? 8,
    isReady: () => ready && !closing,
  };
  const app = Fastify({ logger: options.logger ?? false, bodyLimit, return503OnClosing: true, forceCloseConnections: 'idle' });
  app.setErrorHandler(errorHandler(options.retryAfterSeconds ?? 1, bodyLimit, IMAGE_CONTENT_TYPES, (reason) => metrics.rejected.inc({ reason })));

  if (options.token !== undefined) {
    const allowed = bearerChecker(options.token);
    app.addHook('onRequest', async (req, reply) => {
      if (req.routeOptions.url?.startsWith('/v2/health/')) return;   // the matched route, not the raw path
      if (!allowed(req.headers.authorization)) {
        metrics.rejected.inc({ reason: 'unauthorized' });
        return reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'Expected "Authorization: Bearer <token>" with the service token but received ' + (req.headers.authorization ? 'a wrong token' : 'no Authorization header') });
      }
    });
  }
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  registerV2Routes(app, ctx);
  registerV1Routes(app, ctx);

  return {
    app, pool, metrics,
    ready: readyPromise,
    async close() {
      closing = true;
      await app.close();     // stops accepting; in-flight requests finish and are answered
      await pool.close();
    },
  };
}
