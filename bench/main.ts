// Benchmark entry point: `npm run bench -- <subcommand> [options]`. Each subcommand lives in
// its own file and exports run(args).
import { run as runOps } from './ops';
import { run as runCuda } from './cuda';
import { run as runNormLosses } from './norm-losses';
import { run as runForward } from './model-forward';
import { run as runServe } from './serve-load';
import { run as runArchive } from './archive/throughput';
import { run as runDiagnose } from './training-diagnosis';
import { run as runTrain } from './train-step';

const commands: Record<string, { describe: string; run: (args: string[]) => Promise<void> }> = {
  diagnose: { describe: 'targets at the training size, loss parts, per-task gradient norms per branch, head outputs (JSON lines); --data DIR --format F --size S --recipe mammogram|phantom --steps N', run: runDiagnose },
  archive: { describe: 'images/s through the BullMQ queue (1 and 2 worker processes) and the Orthanc connector, vs a direct predict loop; real redis-server and Orthanc on loopback; --images N (40), --image-size S (512), --size S (model, 128), --json', run: runArchive },
  cuda: { describe: 'CUDA conv passes, featureTransfer and an FTMTLNet training step (batch 16, image 512); --json FILE, --repeat N; needs a GPU', run: runCuda },
  forward: { describe: 'FTMTLNet forward, ours vs onnxruntime-node on the exported graph, batch 1 and 8, + parity; --model DIR | --preset P[,P2] --size S[,S2] (paired), --batch B[,B2], --threads N, --rounds N (default 5, the engines alternating), --repeat N (runs per engine per round, default 3), --json', run: runForward },
  ops: { describe: 'heavy ops (conv passes, featureTransfer, linear) vs onnxruntime-node and PyTorch (CPU, when installed); --json, --repeat N, --threads N (default: all cores), --no-torch', run: runOps },
  serve: { describe: 'load test of `ftmtlnet serve` on loopback: --requests N (500) at --concurrency 1,8,32; throughput, p50/p95/p99, 503s, RSS, event-loop p99, every answer checked; --workers N, --max-queue N, --model DIR | --size S, --image-size S, --json FILE', run: runServe },
  train: { describe: 'FTMTLNet training step (train-mode forward, backward, SGD momentum), ours vs PyTorch (CPU) rebuilt from the exported graph, same weights, + peak RSS and eval parity; --preset P --size S --batch B, --threads N, --repeat N, --warmup N, --json', run: runTrain },
  'norm-losses': { describe: 'batchNorm2d vs copy bandwidth, losses vs plain JS; --json, --threads N', run: runNormLosses },
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const cmd = name ? commands[name] : undefined;
  if (!cmd) {
    console.error(`usage: npm run bench -- <subcommand> [options]\n\nsubcommands:`);
    for (const [n, c] of Object.entries(commands)) console.error(`  ${n.padEnd(8)} ${c.describe}`);
    process.exitCode = name ? 1 : 0;
    return;
  }
  await cmd.run(args);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exitCode = 1;
});
