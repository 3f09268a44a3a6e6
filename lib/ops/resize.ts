// Upsampling (torch.nn.functional.interpolate with an integer scale_factor): nearest, and
// bilinear with align_corners = false.
import { Tensor } from '../tensor';
import { record } from '../autograd';
import { traceOp } from '../trace';
import { nativeFunctions } from '../native';
import { registerKernel, getKernel } from './registry';
import { expectTensor, expectRank, expectOptions, expectInt, expectOneOf, fail, describe } from './validate';
import { emptyCpu } from './broadcast';

export type UpsampleMode = 'nearest' | 'bilinear';

export interface Upsample2dOptions {
  scaleFactor: number | [number, number];  // integers >= 1
  mode?: UpsampleMode;                      // default 'nearest' (as torch)
}

interface ResizeNative {
  upsampleNearestForward(x: Float32Array, xShape: number[], scale: number[], y: Float32Array): void;
  upsampleNearestBackward(gy: Float32Array, xShape: number[], scale: number[], gx: Float32Array): void;
  upsampleBilinearForward(x: Float32Array, xShape: number[], scale: number[], y: Float32Array): void;
  upsampleBilinearBackward(gy: Float32Array, xShape: number[], scale: number[], gx: Float32Array): void;
}

type UpsampleKernel = (x: Tensor, scale: [number, number], mode: UpsampleMode) => Tensor;
type UpsampleBackwardKernel = (gy: Tensor, xShape: readonly number[], scale: [number, number], mode: UpsampleMode) => Tensor;

const native = (): ResizeNative => nativeFunctions<ResizeNative>();

registerKernel('upsample2d', 'cpu', ((x, scale, mode) => {
  const [n, c, h, w] = x.shape;
  const y = emptyCpu([n, c, h * scale[0], w * scale[1]]);
  const fn = mode === 'nearest' ? native().upsampleNearestForward : native().upsampleBilinearForward;
  fn(x.data, [...x.shape], scale, y.data);
  return y;
}) as UpsampleKernel);

registerKernel('upsample2dBackward', 'cpu', ((gy, xShape, scale, mode) => {
  const gx = emptyCpu(xShape);
  const fn = mode === 'nearest' ? native().upsampleNearestBackward : native().upsampleBilinearBackward;
  fn(gy.data, [...xShape], scale, gx.data);
  return gx;
}) as UpsampleBackwardKernel);

function scalePair(v: unknown): [number, number] {
  if (typeof v === 'number') {
    const s = expectInt(v, 'scaleFactor', 1);
    return [s, s];
  }
  if (Array.isArray(v) && v.length === 2) return [expectInt(v[0], 'scaleFactor[0]', 1), expectInt(v[1], 'scaleFactor[1]', 1)];
  return fail('type', 'an integer or a pair of integers', 'scaleFactor', describe(v));
}

// (N,C,H,W) -> (N,C,H*sh,W*sw).
export function upsample2d(x: Tensor, options: Upsample2dOptions): Tensor {
  expectTensor(x, 'x');
  expectRank(x, 4, 'x');
  const o = expectOptions<Upsample2dOptions>(options, 'options');
  const scale = scalePair(o.scaleFactor);
  const mode = o.mode === undefined ? 'nearest' : expectOneOf(o.mode, ['nearest', 'bilinear'] as const, 'mode');
  const y = getKernel<UpsampleKernel>('upsample2d', x.device)(x, scale, mode);
  record(y, 'upsample2d', [x], (g) => [getKernel<UpsampleBackwardKernel>('upsample2dBackward', g.device)(g, x.shape, scale, mode)]);
  traceOp('upsample2d', [x], [y], { scaleFactor: scale, mode, alignCorners: false });
  return y;
}
