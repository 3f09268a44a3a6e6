// The service's Prometheus metrics (prom-client, in the service's own registry): requests by
// route and status, request latency, inference time, queue depth, pool size, in-flight tasks,
// and the process's memory and event-loop lag (prom-client's default metrics).
import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';
import type { InferencePool } from './inference-pool';

export interface ServiceMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
  inference: Histogram<'kind'>;
  rejected: Counter<'reason'>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(pool: InferencePool): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ftmtlnet_' });
  const requests = new Counter({ name: 'ftmtlnet_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'] as const, registers: [registry] });
  const latency = new Histogram({ name: 'ftmtlnet_http_request_duration_seconds', help: 'HTTP request latency by route', labelNames: ['method', 'route'] as const, buckets: LATENCY_BUCKETS, registers: [registry] });
  const inference = new Histogram({ name: 'ftmtlnet_inference_duration_seconds', help: 'Forward pass time inside a worker (predict: decode excluded)', labelNames: ['kind'] as const, buckets: LATENCY_BUCKETS, registers: [registry] });
  const rejected = new Counter({ name: 'ftmtlnet_rejected_total', help: 'Requests refused before inference, by reason', labelNames: ['reason'] as const, registers: [registry] });
  new Gauge({ name: 'ftmtlnet_inference_queue_depth', help: 'Tasks waiting for an inference worker', registers: [registry], collect() { this.set(pool.queued); } });
  new Gauge({ name: 'ftmtlnet_inference_in_flight', help: 'Inference tasks submitted and not yet answered', registers: [registry], collect() { this.set(pool.inFlight); } });
  new Gauge({ name: 'ftmtlnet_inference_pool_size', help: 'Inference worker threads', registers: [registry], collect() { this.set(pool.workers); } });
  new Gauge({ name: 'ftmtlnet_inference_queue_limit', help: 'Most tasks that may wait for a worker', registers: [registry], collect() { this.set(pool.maxQueue); } });
  return { registry, requests, latency, inference, rejected };
}
