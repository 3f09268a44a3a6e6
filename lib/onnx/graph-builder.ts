// Builds ONNX models (ModelProto) with the onnx-proto protobuf library: nodes, float
// initializers, typed inputs/outputs (optionally with a symbolic batch dimension), metadata.
import { onnx } from 'onnx-proto';

// Integral numbers become INT attributes; use { float } for a FLOAT that may be integral.
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

export interface GraphOutput {
  name: string;
  shape: (number | string)[];  // a string is a symbolic dimension, e.g. 'N'
}

export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  readonly inputs: onnx.IValueInfoProto[] = [];
  readonly outputs: onnx.IValueInfoProto[] = [];
  private names = new Set<string>();
  private counter = 0;

  // A fresh tensor name starting with `prefix`, reserved for a node output.
  fresh(prefix: string): string {
    return this.reserve(this.unusedName(prefix));
  }

  // A name not used yet (not reserved: pass it to addInitializer, which reserves it).
  unusedName(prefix: string): string {
    let name = prefix;
    while (this.names.has(name)) name = `${prefix}_${++this.counter}`;
    return name;
  }

  reserve(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX graph: tensor name ${JSON.stringify(name)} is used twice`);
    this.names.add(name);
    return name;
  }

  addInput(name: string, shape: (number | string)[]): void {
    this.reserve(name);
    this.inputs.push(valueInfo(name, shape));
  }

  addOutput(name: string, shape: (number | string)[]): void {
    this.outputs.push(valueInfo(name, shape));
  }

  // A float32 initializer (weights, constants).
  addInitializer(name: string, dims: readonly number[], data: Float32Array): string {
    this.reserve(name);
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
    });
    return name;
  }

  // An int64 initializer (shapes for Reshape, axes).
  addInt64Initializer(name: string, values: readonly number[]): string {
    this.reserve(name);
    const raw = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: new Uint8Array(raw.buffer),
    });
    return name;
  }

  addNode(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, name?: string): void {
    this.nodes.push({
      opType,
      input: inputs,
      output: outputs,
      name: name ?? `${opType}_${this.nodes.length}`,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
  }

  toModel(opts: { opset: number; producerName: string; producerVersion: string; graphName: string; metadata?: Record<string, string> }): Uint8Array {
    const model: onnx.IModelProto = {
      irVersion: 8,
      producerName: opts.producerName,
      producerVersion: opts.producerVersion,
      opsetImport: [{ domain: '', version: opts.opset }],
      graph: {
        name: opts.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}

export function valueInfo(name: string, shape: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

function attribute(name: string, v: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  }
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  return { name, type: T.FLOAT, f: v.float };
}

export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

export { onnx };
