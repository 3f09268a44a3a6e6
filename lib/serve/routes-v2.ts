// The KServe v2 / Open Inference Protocol routes: health, server and model metadata, and infer
// (an FP32 tensor of shape [N, 1, S, S] in; the five raw outputs out).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServiceContext } from './context';
import { OUTPUT_NAMES } from '../model/ftmtlnet';
import { packageVersion } from '../package-version';
import { sendTaskError } from './errors';

interface InferInput { name?: unknown; shape?: unknown; datatype?: unknown; data?: unknown }
interface InferRequest { id?: unknown; inputs?: unknown }

function outputShapes(ctx: ServiceContext): Record<string, number[]> {
  const { imageSize: S, headStride: h, classNames } = ctx.model;
  const H = Math.ceil(S / h);
  return { class_logits: [-1, classNames.length], heatmap: [-1, 1, H, H], size: [-1, 2, H, H], offset: [-1, 2, H, H], mask_logits: [-1, 1, S, S] };
}

const bad = (reply: FastifyReply, message: string) => reply.code(400).send({ error: message });

export function registerV2Routes(app: FastifyInstance, ctx: ServiceContext): void {
  const base = `/v2/models/${ctx.model.name}`;
  const readiness = async (_req: unknown, reply: FastifyReply) => (ctx.isReady() ? reply.send({ ready: true }) : reply.code(503).send({ ready: false }));
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', readiness);
  app.get(`${base}/ready`, readiness);
  app.get('/v2', async () => ({ name: 'ftmtlnet', version: packageVersion(), extensions: [] }));
  app.get(base, async () => {
    const shapes = outputShapes(ctx);
    return {
      name: ctx.model.name,
      versions: [ctx.model.version],
      platform: 'ftmtlnet',
      inputs: [{ name: 'image', datatype: 'FP32', shape: [-1, 1, ctx.model.imageSize, ctx.model.imageSize] }],
      outputs: OUTPUT_NAMES.map((name) => ({ name, datatype: 'FP32', shape: shapes[name] })),
      parameters: { classes: ctx.model.classNames, head_stride: ctx.model.headStride, input_range: [0, 1] },
    };
  });

  app.post<{ Body: InferRequest }>(`${base}/infer`, async (req, reply) => {
    const body = req.body;
    const S = ctx.model.imageSize;
    if (!body || typeof body !== 'object' || !Array.isArray(body.inputs)) return bad(reply, 'Expected a JSON object with an "inputs" array for the request body but received something else');
    if (body.inputs.length !== 1) return bad(reply, `Expected exactly one input ("image") for inputs but received ${body.inputs.length}`);
    const input = body.inputs[0] as InferInput;
    if (input.datatype !== 'FP32') return bad(reply, `Expected "FP32" for inputs[0].datatype but received ${JSON.stringify(input.datatype)}`);
    const shape = input.shape;
    if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((v) => Number.isInteger(v)) || shape[0] < 1 || shape[1] !== 1 || shape[2] !== S || shape[3] !== S) {
      return bad(reply, `Expected [N, 1, ${S}, ${S}] for inputs[0].shape but received ${JSON.stringify(shape)}`);
    }
    if (shape[0] > ctx.maxBatch) return bad(reply, `Expected a batch of at most ${ctx.maxBatch} for inputs[0].shape[0] but received ${shape[0]}`);
    const n = shape[0] * S * S;
    const raw = Array.isArray(input.data) ? (input.data.flat(3) as unknown[]) : null;
    if (!raw || raw.length !== n) return bad(reply, `Expected ${n} numbers (the product of the shape) for inputs[0].data but received ${raw ? raw.length : typeof input.data}`);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = raw[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) return bad(reply, `Expected finite numbers for inputs[0].data but received ${JSON.stringify(v)} at index ${i}`);
      data[i] = v;
    }
    const result = await ctx.pool.infer({ kind: 'infer', data, shape });
    if (result.error) return sendTaskError(reply, result.error);
    ctx.metrics.inference.observe({ kind: 'infer' }, result.inferSeconds);
    return reply.send({
      model_name: ctx.model.name,
      model_version: ctx.model.version,
      ...(typeof body.id === 'string' ? { id: body.id } : {}),
      outputs: result.outputs.map((o) => ({ name: o.name, datatype: 'FP32', shape: o.shape, data: Array.from(o.data) })),
    });
  });
}
