// One training process of the kill test: a tiny model on 8 phantoms, one thread, checkpoints
// every epoch; resumes from the run folder when it holds a checkpoint (last/ or the
// .last.previous a save interrupted between its renames leaves).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { generatePhantoms } from '../lib/data/phantom';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { Trainer } from '../lib/train/trainer';

async function main(): Promise<void> {
  const [out, epochsArg] = process.argv.slice(2);
  const train = generatePhantoms({ count: 8, size: 64, seed: 3 });
  const model = FTMTLNet.create({ preset: 'xs', imageSize: 64, seed: 2 });
  const resume = existsSync(path.join(out, 'last')) || existsSync(path.join(out, '.last.previous')) ? out : undefined;
  await new Trainer(model, train, null, {
    epochs: Number(epochsArg), batchSize: 4, lr: 3e-3, seed: 11, progress: 'none', prefetch: 0, threads: 1,
    outDir: out, resume, log: (line) => process.stdout.write(`${line}\n`),
  }).fit();
  process.stdout.write('DONE\n');
}

main().catch((e: Error) => {
  process.stderr.write(`kill-child: ${e.message}\n`);
  process.exit(2);
});
