// `ftmtlnet export`: writes a checkpoint as one ONNX graph (standard operators, every head a
// named output, config and class names in metadata_props).
import { Command, InvalidArgumentError } from 'commander';
import { FTMTLNet } from '../../model/ftmtlnet';
import { loadModel } from '../../train/model-checkpoint';
import { exportOnnx } from '../../onnx/export';

interface ExportFlags {
  model: string;
  out: string;
  opset: number;
  staticBatch?: boolean;
}

function opsetArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 9 || n > 18) throw new InvalidArgumentError(`Expected an opset from 9 to 18 for --opset but received ${JSON.stringify(value)}`);
  return n;
}

export function register(program: Command): void {
  program
    .command('export')
    .description('Export a checkpoint to ONNX (one graph, heads class_logits, heatmap, size, offset, mask_logits)')
    .requiredOption('--model <dir>', 'checkpoint folder (config.json + weights.safetensors)')
    .requiredOption('--out <file.onnx>', 'where to write the ONNX model (written atomically)')
    .option('--opset <n>', 'ONNX opset (11-18 express every FTMTLNet layer)', opsetArg, 17)
    .option('--static-batch', 'fix the batch dimension to 1 instead of a symbolic N')
    .addHelpText('after', `
Input "image": (N, 1, S, S) float32, grey values in [0, 1]. Batch normalisation is exported
with the running statistics (eval mode). Check the result with \`ftmtlnet parity\`.

Example:
  ftmtlnet export --model runs/demo/best --out ftmtlnet.onnx`)
    .action(async (flags: ExportFlags) => {
      const model = await loadModel(flags.model);
      await exportOnnx(model, flags.out, { opset: flags.opset, dynamicBatch: !flags.staticBatch });
      process.stdout.write(`wrote ${flags.out} (opset ${flags.opset}, ${model.config.imageSize}x${model.config.imageSize}, classes ${model.config.classNames.join(', ')})\n`);
    });
}
