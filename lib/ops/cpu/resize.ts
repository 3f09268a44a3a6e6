// CPU kernels of nearest and bilinear upsampling, and their signatures.
import type { Tensor } from '../../tensor';
import { registerKernel } from '../../registry';
import { addon } from '../../native';
import { emptyCpu } from './broadcast';

// The kernels' signatures by name, for registerKernel and getKernel (the CUDA twins are checked against them).
declare module '../../registry' {
  interface KernelSignatures {
    upsample2dForward: UpsampleKernel;
    upsample2dBackward: UpsampleBackwardKernel;
  }
}

export type UpsampleMode = 'nearest' | 'bilinear';

export type UpsampleKernel = (x: Tensor, scale: [number, number], mode: UpsampleMode) => Tensor;
export type UpsampleBackwardKernel = (gy: Tensor, xShape: readonly number[], scale: [number, number], mode: UpsampleMode) => Tensor;

const native = addon;

registerKernel('upsample2dForward', 'cpu', ((x, scale, mode) => {
  const [n, c, h, w] = x.shape;
  const y = emptyCpu([n, c, h * scale[0], w * scale[1]]);
  const fn = mode === 'nearest' ? native().upsampleNearestForward : native().upsampleBilinearForward;
  fn(x.data, [...x.shape], scale, y.data);
  return y;
}));

registerKernel('upsample2dBackward', 'cpu', ((gy, xShape, scale, mode) => {
  const gx = emptyCpu(xShape);
  const fn = mode === 'nearest' ? native().upsampleNearestBackward : native().upsampleBilinearBackward;
  fn(gy.data, [...xShape], scale, gx.data);
  return gx;
}));
