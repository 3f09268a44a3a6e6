// `ftmtlnet serve`: the inference service (fastify; KServe v2 routes, POST /v1/predict,
// /metrics). SIGTERM or SIGINT: stop accepting, answer what is in flight, exit 0.
import { Command, Option } from 'commander';
import { createService } from '../../serve/server';
import { parseIntArg, parseNumberArg } from '../options';

interface ServeFlags {
  model: string;
  port: number;
  host: string;
  token?: string;
  workers: number;
  threads?: number;
  maxQueue: number;
  bodyLimit: number;
  threshold: number;
  maxPixels?: number;
  log?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('serve')
    .description('Run the inference service (KServe v2 + POST /v1/predict + /metrics) on a trained checkpoint')
    .requiredOption('--model <dir>', 'checkpoint folder (config.json + weights.safetensors)')
    .addOption(new Option('--port <n>', 'TCP port (0: any free port)').argParser(parseIntArg('--port', 0)).default(8080))
    .option('--host <address>', 'address to bind (loopback by default; 0.0.0.0 to listen on every interface)', '127.0.0.1')
    .addOption(new Option('--token <token>', 'require "Authorization: Bearer <token>" on every route but /v2/health/*').env('FTMTLNET_TOKEN'))
    .addOption(new Option('--workers <n>', 'inference worker threads (each loads the model once)').argParser(parseIntArg('--workers', 1)).default(1))
    .addOption(new Option('--threads <n>', 'native kernel threads per worker (default: cores / workers)').argParser(parseIntArg('--threads', 1)))
    .addOption(new Option('--max-queue <n>', 'requests that may wait for a worker; beyond that 503 + Retry-After').argParser(parseIntArg('--max-queue', 0)).default(16))
    .addOption(new Option('--body-limit <MiB>', 'largest request body').argParser(parseNumberArg('--body-limit', 0)).default(128))
    .addOption(new Option('--threshold <score>', 'default minimum detection score (?threshold= overrides it)').argParser(parseNumberArg('--threshold', 0)).default(0.3))
    .addOption(new Option('--max-pixels <n>', 'refuse images of more decoded pixels (413)').argParser(parseIntArg('--max-pixels', 1)))
    .option('--log', 'log every request (fastify/pino JSON lines on stdout)');
  cmd.addHelpText('after', `
Routes: GET /v2/health/live, /v2/health/ready, /v2/models/ftmtlnet; POST /v2/models/ftmtlnet/infer
(KServe v2 JSON tensors); POST /v1/predict with the image file as the body (?format=dicom: SEG + SR
as multipart/related; ?overlay=1: PNG); GET /metrics (Prometheus).

Examples:
  ftmtlnet serve --model runs/demo/best --port 8080
  FTMTLNET_TOKEN=s3cret ftmtlnet serve --model runs/demo/best --workers 2 --threads 1
  curl -H 'Content-Type: application/dicom' --data-binary @scan.dcm http://127.0.0.1:8080/v1/predict`);
  cmd.action(async (flags: ServeFlags) => {
    const service = await createService({
      modelDir: flags.model, token: flags.token, workers: flags.workers, threads: flags.threads,
      maxQueue: flags.maxQueue, bodyLimit: Math.round(flags.bodyLimit * 2 ** 20), threshold: flags.threshold,
      limits: flags.maxPixels ? { maxPixels: flags.maxPixels } : {}, logger: !!flags.log,
    });
    let stopping: Promise<void> | null = null;
    const stop = (signal: string) => {
      stopping ??= (async () => {
        process.stderr.write(`ftmtlnet serve: ${signal}: no new requests; finishing ${service.pool.inFlight} in flight\n`);
        await service.close();
        process.stderr.write('ftmtlnet serve: stopped\n');
        process.exit(0);
      })();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    const address = await service.app.listen({ port: flags.port, host: flags.host });
    try {
      await service.ready;
    } catch (e) {
      await service.close();
      throw new Error(`the inference workers could not load ${flags.model}: ${(e as Error).message}`);
    }
    process.stderr.write(`ftmtlnet serve: listening on ${address} (${service.pool.workers} worker(s), queue ${service.pool.maxQueue}${flags.token ? ', token required' : ''})\n`);
  });
}
