// CPU kernels of max and average pooling, their window geometry and signatures.
import type { Tensor } from '../../tensor';
import { registerKernel } from '../../registry';
import { addon } from '../../native';
import { emptyCpu } from './broadcast';

// The kernels' signatures by name, for registerKernel and getKernel (the CUDA twins are checked against them).
declare module '../../registry' {
  interface KernelSignatures {
    maxPool2dForward: PoolKernel;
    maxPool2dBackward: PoolBackwardKernel;
    avgPool2dForward: PoolKernel;
    avgPool2dBackward: PoolBackwardKernel;
  }
}

// Resolved window geometry (also the traced attrs).
export interface Pool2dGeometry {
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
}

export type PoolKernel = (x: Tensor, g: Pool2dGeometry) => Tensor;
// maxPool2dBackward(x, gy, g) and avgPool2dBackward(x, gy, g) -> gx (avg uses only x's shape).
export type PoolBackwardKernel = (x: Tensor, gy: Tensor, g: Pool2dGeometry) => Tensor;

const native = addon;

export function outputShape(x: readonly number[], g: Pool2dGeometry): number[] {
  return [
    x[0], x[1],
    Math.floor((x[2] + 2 * g.padding[0] - g.kernelSize[0]) / g.stride[0]) + 1,
    Math.floor((x[3] + 2 * g.padding[1] - g.kernelSize[1]) / g.stride[1]) + 1,
  ];
}

registerKernel('maxPool2dForward', 'cpu', ((x, g) => {
  const y = emptyCpu(outputShape(x.shape, g));
  native().maxPool2dForward(x.data, [...x.shape], g.kernelSize, g.stride, g.padding, y.data);
  return y;
}));

registerKernel('maxPool2dBackward', 'cpu', ((x, gy, g) => {
  const gx = emptyCpu(x.shape);
  native().maxPool2dBackward(x.data, [...x.shape], g.kernelSize, g.stride, g.padding, gy.data, gx.data);
  return gx;
}));

registerKernel('avgPool2dForward', 'cpu', ((x, g) => {
  const y = emptyCpu(outputShape(x.shape, g));
  native().avgPool2dForward(x.data, [...x.shape], g.kernelSize, g.stride, g.padding, y.data);
  return y;
}));

registerKernel('avgPool2dBackward', 'cpu', ((x, gy, g) => {
  const gx = emptyCpu(x.shape);
  native().avgPool2dBackward(gy.data, [...x.shape], g.kernelSize, g.stride, g.padding, gx.data);
  return gx;
}));
