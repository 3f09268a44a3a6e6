// Convolution geometry shared by the CPU kernels (cpu/conv.ts) and their CUDA twins
// (lib/cuda/kernels/conv.ts): resolved stride/padding, output sizes, and the layout of
// featureTransfer's sources (channel-concatenated without a copy).
import type { Tensor } from '../../tensor';

export interface ConvGeometry {
  stride: [number, number];
  padding: [number, number];
}

// Output size of a convolution along one axis.
export function convOutputSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

// (N, K, OH, OW) of x (N, C, H, W) convolved with w (K, C, R, S).
export function convOutputShape(xShape: readonly number[], wShape: readonly number[], g: ConvGeometry): number[] {
  const [n, , h, w] = xShape;
  const [k, , r, s] = wShape;
  return [n, k, convOutputSize(h, r, g.stride[0], g.padding[0]), convOutputSize(w, s, g.stride[1], g.padding[1])];
}

// The sources of featureTransfer as the kernels take them: per-source channels, the shared
// (N, H, W), the shape of their concatenation, and each source's storage as `storage` gives it.
export function sourcesLayout<S>(xs: readonly Tensor[], storage: (x: Tensor) => S): { data: S[]; channels: number[]; nhw: number[]; shape: number[] } {
  const [n, , h, w] = xs[0].shape;
  const channels = xs.map((x) => x.shape[1]);
  return { data: xs.map(storage), channels, nhw: [n, h, w], shape: [n, channels.reduce((a, c) => a + c, 0), h, w] };
}
