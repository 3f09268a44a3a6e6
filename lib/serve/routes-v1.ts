// POST /v1/predict: the image file itself as the body (DICOM, PNG or PGM); answers the JSON of
// `ftmtlnet predict --json`, or with ?format=dicom the SEG and SR (multipart/related), or with
// ?overlay=1 the overlay PNG.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServiceContext } from './context';
import { encodeMultipart } from './multipart';
import { sendTaskError } from './errors';

export const IMAGE_CONTENT_TYPES = ['application/dicom', 'image/png', 'application/octet-stream', 'image/x-portable-graymap'];

interface PredictQuery { format?: string; overlay?: string; threshold?: string }

function isPart10(b: Uint8Array): boolean {
  return b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;
}

export function registerV1Routes(app: FastifyInstance, ctx: ServiceContext): void {
  for (const type of IMAGE_CONTENT_TYPES) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: ctx.bodyLimit }, (_req, body, done) => done(null, body));
  }

  app.post<{ Querystring: PredictQuery; Body: Buffer }>('/v1/predict', async (req, reply): Promise<FastifyReply> => {
    const q = req.query;
    const overlay = q.overlay !== undefined && q.overlay !== '0' && q.overlay !== 'false';
    const format = q.format ?? 'json';
    if (format !== 'json' && format !== 'dicom') return reply.code(400).send({ error: `Expected json or dicom for the query parameter format but received ${JSON.stringify(format)}` });
    if (overlay && format === 'dicom') return reply.code(400).send({ error: 'Expected either format=dicom or overlay=1, not both' });
    let threshold = ctx.threshold;
    if (q.threshold !== undefined) {
      threshold = Number(q.threshold);
      if (!(threshold >= 0 && threshold <= 1)) return reply.code(400).send({ error: `Expected a number in [0, 1] for the query parameter threshold but received ${JSON.stringify(q.threshold)}` });
    }
    const body = req.body;
    if (!Buffer.isBuffer(body)) {
      return reply.code(415).send({ error: `Expected Content-Type ${IMAGE_CONTENT_TYPES.join(', ')} for the request body but received ${req.headers['content-type']}` });
    }
    if (body.length === 0) {
      return reply.code(400).send({ error: `Expected the image file as the request body (Content-Type ${IMAGE_CONTENT_TYPES.join(', ')}) but received an empty body` });
    }
    if (format === 'dicom' && !isPart10(body)) {
      return reply.code(415).send({ error: 'Expected a DICOM Part 10 file (with the "DICM" preamble) as the request body for format=dicom but received another kind of file' });
    }
    const result = await ctx.pool.predict({ kind: 'predict', bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), threshold, format: overlay ? 'overlay' : format });
    if (result.error) return sendTaskError(reply, result.error);
    ctx.metrics.inference.observe({ kind: 'predict' }, result.inferSeconds);
    if (overlay) return reply.type('image/png').send(Buffer.from(result.png!));
    if (format === 'dicom') {
      const mp = encodeMultipart([
        { contentType: 'application/dicom', headers: { 'Content-Description': 'SEG' }, body: result.seg! },
        { contentType: 'application/dicom', headers: { 'Content-Description': 'SR' }, body: result.sr! },
      ]);
      return reply.type(mp.contentType).send(mp.body);
    }
    return reply.send(result.json);
  });
}
