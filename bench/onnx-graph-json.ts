// Writes an exported ONNX graph as graph.json (nodes, attributes, initializer index) plus
// weights.bin (float32 initializers back to back), for bench/onnx_torch.py: the PyTorch peer
// is rebuilt from the same graph and weights without the python `onnx` package.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeModel, onnx } from '../lib/onnx/graph-builder';

type AttrJson = number | number[] | string;

export interface GraphJson {
  opset: number;
  metadata: Record<string, string>;
  inputs: string[];
  outputs: string[];
  nodes: { op: string; inputs: string[]; outputs: string[]; attrs: Record<string, AttrJson> }[];
  // float32 initializers: offset and length in floats into weights.bin; int64 ones inline.
  floats: { name: string; dims: number[]; offset: number; length: number }[];
  ints: { name: string; values: number[] }[];
}

const num = (v: number | { toNumber(): number } | null | undefined): number =>
  v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber();

function attrValue(a: onnx.IAttributeProto): AttrJson {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.INT: return num(a.i);
    case T.FLOAT: return a.f ?? 0;
    case T.INTS: return (a.ints ?? []).map(num);
    case T.FLOATS: return [...(a.floats ?? [])];
    case T.STRING: return new TextDecoder().decode(a.s ?? new Uint8Array());
    default: throw new Error(`graph.json: attribute ${a.name} has type ${String(a.type)}, which the torch peer does not read`);
  }
}

function floatData(t: onnx.ITensorProto, n: number): Float32Array {
  if (t.rawData && t.rawData.length > 0) {
    const copy = new Uint8Array(t.rawData);   // aligned copy
    return new Float32Array(copy.buffer, 0, n);
  }
  return Float32Array.from(t.floatData ?? []);
}

function intData(t: onnx.ITensorProto): number[] {
  if (t.rawData && t.rawData.length > 0) {
    const copy = new Uint8Array(t.rawData);
    return [...new BigInt64Array(copy.buffer)].map(Number);
  }
  return (t.int64Data ?? []).map(num);
}

// Converts `bytes` (an ONNX model) into dir/graph.json and dir/weights.bin.
export function writeGraphJson(bytes: Uint8Array, dir: string): GraphJson {
  const model = decodeModel(bytes);
  const graph = model.graph;
  if (!graph) throw new Error('graph.json: the ONNX model has no graph');
  const chunks: Float32Array[] = [];
  let offset = 0;
  const out: GraphJson = {
    opset: num(model.opsetImport?.[0]?.version),
    metadata: Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
    inputs: (graph.input ?? []).map((i) => i.name ?? ''),
    outputs: (graph.output ?? []).map((o) => o.name ?? ''),
    nodes: (graph.node ?? []).map((n) => ({
      op: n.opType ?? '',
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attrs: Object.fromEntries((n.attribute ?? []).map((a) => [a.name ?? '', attrValue(a)])),
    })),
    floats: [],
    ints: [],
  };
  for (const init of graph.initializer ?? []) {
    const dims = (init.dims ?? []).map(num);
    const name = init.name ?? '';
    if (init.dataType === onnx.TensorProto.DataType.INT64) {
      out.ints.push({ name, values: intData(init) });
    } else if (init.dataType === onnx.TensorProto.DataType.FLOAT) {
      const n = dims.reduce((p, d) => p * d, 1);
      const data = floatData(init, n);
      if (data.length !== n) throw new Error(`graph.json: initializer ${name} has ${data.length} values, expected ${n}`);
      out.floats.push({ name, dims, offset, length: n });
      chunks.push(data);
      offset += n;
    } else {
      throw new Error(`graph.json: initializer ${name} has data type ${String(init.dataType)}, which the torch peer does not read`);
    }
  }
  const weights = new Float32Array(offset);
  let at = 0;
  for (const c of chunks) {
    weights.set(c, at);
    at += c.length;
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'graph.json'), JSON.stringify(out));
  fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(weights.buffer));
  return out;
}
