// What the route modules share: the pool, the metrics, the model's shape and the limits.
import type { InferencePool } from './inference-pool';
import type { ServiceMetrics } from './metrics';

export interface ModelInfo {
  name: string;           // route name: /v2/models/<name>
  version: string;
  imageSize: number;
  classNames: string[];
  headStride: number;
}

export interface ServiceContext {
  pool: InferencePool;
  metrics: ServiceMetrics;
  model: ModelInfo;
  bodyLimit: number;
  threshold: number;
  maxBatch: number;
  isReady(): boolean;
}
