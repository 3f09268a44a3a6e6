// What one kernel call costs on paper: its op kind (the kernel name without its pass), the
// multiply-add FLOPs of the convolution and linear kernels, and the bytes of every tensor it
// reads or writes (its tensor and Float32Array arguments plus its results).
import { Tensor } from '../tensor';

// conv2dForward -> conv2d, conv2dBackwardWeight -> conv2d, featureTransferBackward -> featureTransfer.
export function opKind(kernel: string): string {
  return kernel.replace(/(Forward|BackwardData|BackwardWeight|Backward)$/, '') || kernel;
}

const numel = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);
const isTensor = (v: unknown): v is Tensor => v instanceof Tensor;

// 2 * (output elements) * (multiply-adds per output element): dy and y have the same shape.
function convFlops(out: readonly number[], w: readonly number[], channels = w[1]): number {
  return 2 * numel(out) * channels * w[2] * w[3];
}

type Need = { x?: boolean; xs?: readonly boolean[]; weight?: boolean };

// FLOPs of a call of `kernel` with `args` that returned `result`; 0 where unknown.
export function kernelFlops(kernel: string, args: readonly unknown[], result: unknown): number {
  switch (kernel) {
    case 'conv2dForward':
    case 'featureTransferForward':
    case 'convScaleReluForward':
      return isTensor(result) && isTensor(args[1]) ? convFlops(result.shape, args[1].shape) : 0;
    case 'conv2dBackwardData':   // (dy, w, xShape, g)
      return isTensor(args[0]) && isTensor(args[1]) ? convFlops(args[0].shape, args[1].shape) : 0;
    case 'conv2dBackwardWeight': {   // (x, dy, wShape, g, need)
      const need = args[4] as Need | undefined;
      return isTensor(args[1]) && Array.isArray(args[2]) && need?.weight ? convFlops(args[1].shape, args[2] as number[]) : 0;
    }
    case 'featureTransferBackward': {   // (xs, w, dy, g, need): one data pass per source that needs it + the weight pass
      const [xs, w, dy, , need] = args as [Tensor[], Tensor, Tensor, unknown, Need];
      if (!Array.isArray(xs) || !isTensor(w) || !isTensor(dy)) return 0;
      let flops = need?.weight ? convFlops(dy.shape, w.shape) : 0;
      xs.forEach((x, i) => {
        if (need?.xs?.[i]) flops += convFlops(dy.shape, w.shape, x.shape[1]);
      });
      return flops;
    }
    case 'linearForward':   // (x, w, b) -> (N, out)
      return isTensor(result) && isTensor(args[1]) ? 2 * result.numel * args[1].shape[1] : 0;
    case 'linearBackward': {   // (x, w, dy, need)
      const [, w, dy, need] = args as [Tensor, Tensor, Tensor, Need];
      if (!isTensor(w) || !isTensor(dy)) return 0;
      return 2 * dy.numel * w.shape[1] * ((need?.x ? 1 : 0) + (need?.weight ? 1 : 0));
    }
    default:
      return 0;
  }
}

// Bytes of the tensors and float arrays in `v` (arrays and plain objects searched two levels deep).
export function tensorBytes(v: unknown, depth = 0): number {
  if (isTensor(v)) return v.numel * 4;
  if (v instanceof Float32Array) return v.byteLength;
  if (depth >= 2 || v === null || typeof v !== 'object') return 0;
  let bytes = 0;
  for (const item of Array.isArray(v) ? v : Object.values(v)) bytes += tensorBytes(item, depth + 1);
  return bytes;
}

// The shapes of the tensors in `args` and of `result`, e.g. "1x32x64x64 64x32x3x3 -> 1x64x64x64",
// so a trace viewer can tell one layer's call from another's.
export function tensorShapes(args: readonly unknown[], result: unknown): string {
  const dims = (t: Tensor): string => t.shape.join('x');
  const list = (v: unknown): string[] =>
    isTensor(v) ? [dims(v)] : Array.isArray(v) ? v.filter(isTensor).map(dims) : [];
  const ins = args.flatMap(list).join(' ');
  const outs = list(result).join(' ');
  return outs ? `${ins} -> ${outs}` : ins;
}
