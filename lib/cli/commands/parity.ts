// `ftmtlnet parity`: the same weights through our engine and through onnxruntime-node, on
// random inputs and on real images; prints max |d| and max |d| / max |ref| for every output.
import { Command, InvalidArgumentError } from 'commander';
import { loadModel } from '../../train/model-checkpoint';
import { setNumThreads, getNumThreads } from '../../capabilities';
import { loadPredictInput } from '../../model/predict-input';
import { preparePredictInput } from '../../model/predict-run';
import { checkParity, formatParity } from '../../onnx/parity';
import * as path from 'node:path';

interface ParityFlags {
  model: string;
  image: string[];
  batch: number[];
  tolerance: number;
  threads?: number;
  json?: boolean;
}

function batchList(value: string): number[] {
  const list = value.split(',').map((s) => Number(s.trim()));
  if (!list.length || list.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) {
    throw new InvalidArgumentError(`Expected comma-separated batch sizes from 1 to 64 for --batch but received ${JSON.stringify(value)}`);
  }
  return list;
}

function positive(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !(n > 0)) throw new InvalidArgumentError(`Expected a positive number for ${name} but received ${JSON.stringify(value)}`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('parity')
    .description('Check that our engine and onnxruntime-node (the exported graph) compute the same outputs')
    .requiredOption('--model <dir>', 'checkpoint folder (config.json + weights.safetensors)')
    .option('--image <file>', 'a real image to compare on as well (repeatable; PNG, DICOM, PGM)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--batch <list>', 'batch sizes of random inputs', batchList, [1, 4])
    .option('--tolerance <rel>', 'largest allowed max|d| / max|ref|', positive('--tolerance'), 1e-4)
    .option('--threads <n>', 'threads for both engines', positive('--threads'))
    .option('--json', 'print the report as JSON')
    .addHelpText('after', `
Exits with status 1 when any output differs by more than the tolerance.

Example:
  ftmtlnet parity --model runs/demo/best --image mdb001.png`)
    .action(async (flags: ParityFlags) => {
      if (flags.threads) setNumThreads(Math.round(flags.threads));
      const model = await loadModel(flags.model);
      const images = [];
      for (const file of flags.image) {
        const input = await loadPredictInput(file);
        const prepared = preparePredictInput(model.config, input.image, {}, input.laterality);
        images.push({ name: path.basename(file), data: prepared.x.data });
      }
      const report = await checkParity(model, { batchSizes: flags.batch, images, tolerance: flags.tolerance, threads: getNumThreads() });
      process.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : formatParity(report) + '\n');
      if (!report.ok) process.exitCode = 1;
    });
}
