// CPU kernels of nearest and bilinear upsampling, and their signatures.
import type { Tensor } from '../../tensor';
import { registerKernel } from '../../registry';
import { nativeFunctions } from '../../native';
import { emptyCpu } from './broadcast';

export type UpsampleMode = 'nearest' | 'bilinear';

interface ResizeNative {
  upsampleNearestForward(x: Float32Array, xShape: number[], scale: number[], y: Float32Array): void;
  upsampleNearestBackward(gy: Float32Array, xShape: number[], scale: number[], gx: Float32Array): void;
  upsampleBilinearForward(x: Float32Array, xShape: number[], scale: number[], y: Float32Array): void;
  upsampleBilinearBackward(gy: Float32Array, xShape: number[], scale: number[], gx: Float32Array): void;
}

export type UpsampleKernel = (x: Tensor, scale: [number, number], mode: UpsampleMode) => Tensor;
export type UpsampleBackwardKernel = (gy: Tensor, xShape: readonly number[], scale: [number, number], mode: UpsampleMode) => Tensor;

const native = (): ResizeNative => nativeFunctions<ResizeNative>();

registerKernel('upsample2dForward', 'cpu', ((x, scale, mode) => {
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
