// Upsampling (torch.nn.functional.interpolate with an integer scale_factor): nearest, and
// bilinear with align_corners = false.
import { Tensor } from '../tensor';
import { record } from '../autograd';
import { traceOp } from '../trace';
import { getKernel } from '../registry';
import { expectOptions, expectInt, expectOneOf, fail, describe } from '../errors';
import { expectTensor, expectRank } from './check';
import type { UpsampleMode } from './cpu/resize';
import './cpu/resize';
import './resize.grad';
import '../cuda/kernels/layers';

export type { UpsampleMode };

export interface Upsample2dOptions {
  scaleFactor: number | [number, number];  // integers >= 1
  mode?: UpsampleMode;                      // default 'nearest' (as torch)
}

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
  const y = getKernel('upsample2dForward', x.device)(x, scale, mode);
  record(y, 'upsample2d', [x], { xShape: x.shape, scale, mode });
  traceOp('upsample2d', [x], [y], { scaleFactor: scale, mode, alignCorners: false });
  return y;
}
