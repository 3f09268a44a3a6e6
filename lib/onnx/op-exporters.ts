// Maps each traced op (lib/trace.ts) to standard ONNX operators. One entry per op name; an
// op without an entry cannot be exported and says which op and layer it was.
import type { TracedOp } from '../trace';
import type { Tensor } from '../tensor';
import { GraphBuilder, AttrValue } from './graph-builder';

export interface ExportContext {
  graph: GraphBuilder;
  opset: number;
  // Name of a tensor already in the graph, or a new initializer for a constant tensor.
  nameOf(t: Tensor): string;
  // Registers the ONNX name that holds the value of a traced output.
  bind(t: Tensor, name: string): void;
  // A float constant (for scalar operands).
  constant(values: number[], dims: number[]): string;
  // Where a traced op sits in the model, for error messages ("layer seg.dec1.ft").
  layerOf(op: TracedOp): string;
}

// Lowest opset this exporter writes: Resize with coordinate_transformation_mode needs 11.
export const RESIZE_MIN_OPSET = 11;

type OpExporter = (ctx: ExportContext, op: TracedOp) => void;

function pair(v: unknown, what: string, op: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0], v[1]];
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return [v[0], v[0]];
  throw new Error(`ONNX export: ${op} has attribute ${what} = ${JSON.stringify(v)}, expected a number or [h, w]`);
}

function emit(ctx: ExportContext, op: TracedOp, opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
  const out = ctx.graph.fresh(op.op);
  ctx.graph.addNode(opType, inputs, [out], attrs);
  ctx.bind(op.outputs[0], out);
  return out;
}

function convAttrs(op: TracedOp, w: Tensor): Record<string, AttrValue> {
  const [sh, sw] = pair(op.attrs.stride ?? 1, 'stride', op.op);
  const [ph, pw] = pair(op.attrs.padding ?? 0, 'padding', op.op);
  return { kernel_shape: [w.shape[2], w.shape[3]], strides: [sh, sw], pads: [ph, pw, ph, pw], dilations: [1, 1], group: 1 };
}

function poolAttrs(op: TracedOp): Record<string, AttrValue> {
  const [kh, kw] = pair(op.attrs.kernelSize, 'kernelSize', op.op);
  const [sh, sw] = pair(op.attrs.stride ?? op.attrs.kernelSize, 'stride', op.op);
  const [ph, pw] = pair(op.attrs.padding ?? 0, 'padding', op.op);
  return { kernel_shape: [kh, kw], strides: [sh, sw], pads: [ph, pw, ph, pw] };
}

// Scalar operands of add/mul may be traced as numbers in attrs (e.g. { scalar: 2 }).
function binaryInputs(ctx: ExportContext, op: TracedOp): string[] {
  const names = op.inputs.filter((t): t is Tensor => t !== null).map((t) => ctx.nameOf(t));
  if (names.length === 1) {
    const s = op.attrs.scalar ?? op.attrs.b ?? op.attrs.other;
    if (typeof s !== 'number') throw new Error(`ONNX export: ${op.op} with one tensor input needs a numeric scalar attribute`);
    names.push(ctx.constant([s], []));
  }
  return names;
}

export const opExporters: Record<string, OpExporter> = {
  conv2d(ctx, op) {
    const [x, w, b] = op.inputs;
    const inputs = [ctx.nameOf(x!), ctx.nameOf(w!)];
    if (b) inputs.push(ctx.nameOf(b));
    emit(ctx, op, 'Conv', inputs, convAttrs(op, w!));
  },
  featureTransfer(ctx, op) {
    // inputs: [...xs, w, b]; the exporter sees the sources joined by a Concat.
    const n = op.inputs.length;
    const xs = op.inputs.slice(0, n - 2) as Tensor[];
    const w = op.inputs[n - 2]!;
    const b = op.inputs[n - 1];
    let joined: string;
    if (xs.length === 1) joined = ctx.nameOf(xs[0]);
    else {
      joined = ctx.graph.fresh('transfer_concat');
      ctx.graph.addNode('Concat', xs.map((t) => ctx.nameOf(t)), [joined], { axis: 1 });
    }
    const inputs = [joined, ctx.nameOf(w)];
    if (b) inputs.push(ctx.nameOf(b));
    emit(ctx, op, 'Conv', inputs, convAttrs(op, w));
  },
  linear(ctx, op) {
    const [x, w, b] = op.inputs;
    const inputs = [ctx.nameOf(x!), ctx.nameOf(w!)];
    if (b) inputs.push(ctx.nameOf(b));
    emit(ctx, op, 'Gemm', inputs, { transB: 1, alpha: { float: 1 }, beta: { float: 1 } });
  },
  batchNorm2d(ctx, op) {
    if (op.attrs.training) throw new Error('ONNX export: batchNorm2d ran in training mode; call model.eval() first');
    const [x, mean, variance, weight, bias] = op.inputs;
    const c = x!.shape[1];
    const scale = weight ? ctx.nameOf(weight) : ctx.constant(new Array(c).fill(1), [c]);
    const shift = bias ? ctx.nameOf(bias) : ctx.constant(new Array(c).fill(0), [c]);
    const eps = typeof op.attrs.eps === 'number' ? op.attrs.eps : 1e-5;
    emit(ctx, op, 'BatchNormalization', [ctx.nameOf(x!), scale, shift, ctx.nameOf(mean!), ctx.nameOf(variance!)], {
      epsilon: { float: eps },
    });
  },
  relu(ctx, op) {
    emit(ctx, op, 'Relu', [ctx.nameOf(op.inputs[0]!)]);
  },
  sigmoid(ctx, op) {
    emit(ctx, op, 'Sigmoid', [ctx.nameOf(op.inputs[0]!)]);
  },
  maxPool2d(ctx, op) {
    emit(ctx, op, 'MaxPool', [ctx.nameOf(op.inputs[0]!)], poolAttrs(op));
  },
  avgPool2d(ctx, op) {
    emit(ctx, op, 'AveragePool', [ctx.nameOf(op.inputs[0]!)], { ...poolAttrs(op), count_include_pad: 1 });
  },
  globalAvgPool2d(ctx, op) {
    emit(ctx, op, 'GlobalAveragePool', [ctx.nameOf(op.inputs[0]!)]);
  },
  upsample2d(ctx, op) {
    if (ctx.opset < RESIZE_MIN_OPSET) {
      throw new Error(
        `ONNX export: ${ctx.layerOf(op)} uses upsample2d (mode ${String(op.attrs.mode)}), which needs ` +
          `Resize with a coordinate transformation mode: opset ${RESIZE_MIN_OPSET} or newer, not ${ctx.opset}`,
      );
    }
    const [sh, sw] = pair(op.attrs.scaleFactor, 'scaleFactor', op.op);
    const scales = ctx.constant([1, 1, sh, sw], [4]);
    // Opsets 11 and 12 require the roi input; 13+ accept an empty name.
    const roi = ctx.opset < 13 ? ctx.constant([], [0]) : '';
    const mode = op.attrs.mode === 'bilinear' ? 'linear' : 'nearest';
    const attrs: Record<string, AttrValue> =
      mode === 'linear'
        ? { mode, coordinate_transformation_mode: 'half_pixel' }
        : { mode, coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
    emit(ctx, op, 'Resize', [ctx.nameOf(op.inputs[0]!), roi, scales], attrs);
  },
  concat(ctx, op) {
    const dim = typeof op.attrs.dim === 'number' ? op.attrs.dim : 1;
    emit(ctx, op, 'Concat', op.inputs.map((t) => ctx.nameOf(t!)), { axis: dim });
  },
  add(ctx, op) {
    emit(ctx, op, 'Add', binaryInputs(ctx, op));
  },
  mul(ctx, op) {
    emit(ctx, op, 'Mul', binaryInputs(ctx, op));
  },
  scale(ctx, op) {
    const s = op.attrs.scale;
    if (typeof s !== 'number') throw new Error('ONNX export: scale needs a numeric scale attribute');
    emit(ctx, op, 'Mul', [ctx.nameOf(op.inputs[0]!), ctx.constant([s], [])]);
  },
  sub(ctx, op) {
    emit(ctx, op, 'Sub', binaryInputs(ctx, op));
  },
  reshape(ctx, op) {
    const x = op.inputs[0]!;
    const out = op.outputs[0];
    // Keep the batch dimension symbolic: 0 copies it from the input.
    const shape = out.shape.map((s, i) => (i === 0 && s === x.shape[0] ? 0 : s));
    const shapeName = ctx.graph.addInt64Initializer(ctx.graph.unusedName('reshape_shape'), shape);
    emit(ctx, op, 'Reshape', [ctx.nameOf(x), shapeName]);
  },
  dropout(ctx, op) {
    if (op.attrs.training) throw new Error('ONNX export: dropout ran in training mode; call model.eval() first');
    ctx.bind(op.outputs[0], ctx.nameOf(op.inputs[0]!));
  },
};
