// HTTP answers for what went wrong: a task error from a worker (bad input 400, unsupported
// encoding 415, too large to decode 413, internal 500), a full queue (503 + Retry-After), and
// fastify's own body errors, each with one JSON shape: { "error": "<what is wrong>" }.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { TaskError } from './inference-worker';
import { QueueFullError } from './inference-pool';

const STATUS: Record<TaskError['kind'], number> = { input: 400, unsupported: 415, 'too-large': 413, internal: 500 };

export function sendTaskError(reply: FastifyReply, error: TaskError): FastifyReply {
  return reply.code(STATUS[error.kind]).send({ error: error.message });
}

export function errorHandler(retryAfterSeconds: number, bodyLimit: number, contentTypes: string[], onReject: (reason: string) => void) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (err instanceof QueueFullError) {
      onReject('queue_full');
      return reply.code(503).header('Retry-After', String(retryAfterSeconds)).send({ error: err.message });
    }
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        onReject('body_too_large');
        return reply.code(413).send({ error: `Expected a request body of at most ${bodyLimit} bytes but received ${req.headers['content-length'] ?? 'more'} bytes` });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        onReject('media_type');
        return reply.code(415).send({ error: `Expected Content-Type ${contentTypes.join(', ')} for the request body but received ${req.headers['content-type'] ?? 'none'}` });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return reply.code(400).send({ error: err.message });
      default:
        break;
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.message });
    req.log.error(err);
    return reply.code(500).send({ error: `internal error: ${err.message}` });
  };
}
