// ONNX export by tracing: runs the model's forward once in eval mode under a tracer, then
// writes one graph of standard operators with the weights as initializers (named by their
// state-dict keys) and every head as a named output.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tensor } from '../tensor';
import { packageVersion } from '../package-version';
import { noGrad } from '../autograd';
import { withTracer, TracedOp } from '../trace';
import { GraphBuilder } from './graph-builder';
import { sealOnnx } from './integrity';
import { writeFileAtomic } from '../train/safetensors';
import { opExporters, ExportContext } from './op-exporters';

export const HEAD_NAMES = ['class_logits', 'heatmap', 'size', 'offset', 'mask_logits'] as const;
export const INPUT_NAME = 'image';

export interface ExportableModel {
  training: boolean;
  train(mode?: boolean): unknown;
  eval(): unknown;
  forward(x: Tensor): { [K in (typeof HEAD_NAMES)[number]]: Tensor };
  namedParameters(): [string, Tensor][];
  namedBuffers(): [string, Tensor][];
  config: { imageSize: number; classNames?: string[] };
}

export interface ExportOptions {
  opset?: number;
  dynamicBatch?: boolean;
  producerVersion?: string;
  // Extra metadata_props entries.
  metadata?: Record<string, string>;
}

// Opsets this exporter accepts; a model whose ops need more fails naming the layer.
const SUPPORTED_OPSETS = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18];

// Builds the ONNX model bytes for `model` (does not write a file).
export function exportOnnxBytes(model: ExportableModel, options: ExportOptions = {}): Uint8Array {
  const opset = options.opset ?? 17;
  if (!SUPPORTED_OPSETS.includes(opset)) {
    throw new RangeError(`Expected an opset from ${SUPPORTED_OPSETS[0]} to ${SUPPORTED_OPSETS[SUPPORTED_OPSETS.length - 1]} for opset but received ${opset}`);
  }
  const dynamicBatch = options.dynamicBatch ?? true;
  const size = model.config.imageSize;
  const wasTraining = model.training;
  model.eval();
  const ops: TracedOp[] = [];
  const x = Tensor.zeros([1, 1, size, size]);
  let outputs: { [K in (typeof HEAD_NAMES)[number]]: Tensor };
  try {
    outputs = noGrad(() => withTracer((op) => ops.push(op), () => model.forward(x)));
  } finally {
    if (wasTraining) model.train();
  }

  const graph = new GraphBuilder();
  const batch = dynamicBatch ? 'N' : 1;
  graph.addInput(INPUT_NAME, [batch, 1, size, size]);

  const weightNames = new Map<Tensor, string>();
  for (const [name, t] of [...model.namedParameters(), ...model.namedBuffers()]) weightNames.set(t, name);
  const names = new Map<Tensor, string>([[x, INPUT_NAME]]);
  const produced = new Set<Tensor>();

  // A layer's name is its weight's state-dict key without the last part; ops without
  // weights are named by the next op that consumes them and has weights.
  const layerOf = (op: TracedOp): string => {
    const own = op.inputs.find((t) => t && weightNames.has(t));
    if (own) return `layer ${weightNames.get(own)!.replace(/\.[^.]+$/, '')}`;
    const start = ops.indexOf(op);
    const frontier = new Set<Tensor>(op.outputs);
    for (let k = start + 1; k < ops.length; k++) {
      const next = ops[k];
      if (!next.inputs.some((t) => t && frontier.has(t))) continue;
      const w = next.inputs.find((t) => t && weightNames.has(t));
      if (w) return `the ${op.op} feeding layer ${weightNames.get(w)!.replace(/\.[^.]+$/, '')}`;
      next.outputs.forEach((t) => frontier.add(t));
    }
    return `${op.op} (traced op #${start})`;
  };

  const ctx: ExportContext = {
    layerOf,
    graph,
    opset,
    nameOf(t: Tensor): string {
      const known = names.get(t);
      if (known !== undefined) return known;
      const weight = weightNames.get(t);
      const name = weight ?? graph.unusedName('constant');
      graph.addInitializer(name, t.shape, t.data);
      names.set(t, name);
      return name;
    },
    bind(t: Tensor, name: string): void {
      names.set(t, name);
      produced.add(t);
    },
    constant(values: number[], dims: number[]): string {
      return graph.addInitializer(graph.unusedName('constant'), dims, new Float32Array(values));
    },
  };

  ops.forEach((op, index) => {
    const exporter = opExporters[op.op];
    if (!exporter) {
      const shapes = op.inputs.map((t) => (t ? `[${t.shape.join(',')}]` : 'null')).join(', ');
      throw new Error(`ONNX export: op ${op.op} (traced op #${index}, inputs ${shapes}) has no ONNX mapping in opset ${opset}`);
    }
    exporter(ctx, op);
  });

  for (const head of HEAD_NAMES) {
    const t = outputs[head];
    if (!t) throw new Error(`ONNX export: the model's forward returned no ${head}`);
    if (!produced.has(t)) throw new Error(`ONNX export: ${head} was not produced by a traced op`);
    graph.addNode('Identity', [names.get(t)!], [head], {}, `output_${head}`);
    graph.addOutput(head, [batch, ...t.shape.slice(1)]);
  }

  const metadata: Record<string, string> = {
    'ftmtlnet.config': JSON.stringify(model.config),
    'ftmtlnet.version': options.producerVersion ?? packageVersion(),
    class_names: JSON.stringify(model.config.classNames ?? []),
    image_size: String(size),
    input_layout: 'NCHW, 1 channel, float32',
    normalisation: 'grey values scaled to [0, 1] (uint8 / 255, uint16 / 65535), no mean/std shift',
    outputs: HEAD_NAMES.join(','),
    ...(options.metadata ?? {}),
  };
  return sealOnnx(graph.toModel({
    opset,
    producerName: 'ftmtlnet',
    producerVersion: options.producerVersion ?? packageVersion(),
    graphName: 'ftmtlnet',
    metadata,
  }));
}

// Writes the model atomically (temp file + rename; a killed export's temp file is removed by the next).
export async function exportOnnx(model: ExportableModel, file: string, options: ExportOptions = {}): Promise<void> {
  const bytes = exportOnnxBytes(model, options);
  await fs.promises.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFileAtomic(file, bytes);
}
