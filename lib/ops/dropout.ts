// Inverted dropout (torch.nn.functional.dropout): in training each element is zeroed with
// probability p and the rest scaled by 1/(1-p); in eval it is the identity.
import { Tensor } from '../tensor';
import { record } from '../autograd';
import { traceOp } from '../trace';
import { getKernel } from '../registry';
import { expectOptions, expectNumber, expectBool, expectInt } from '../errors';
import { expectTensor } from './check';
import { binaryKernel } from './broadcast';
import './cpu/dropout';
import './dropout.grad';
import '../cuda/kernels/elementwise';

export interface DropoutOptions {
  p?: number;          // drop probability in [0, 1], default 0.5
  training?: boolean;  // default true (as torch.nn.functional.dropout)
  seed?: number;       // integer >= 0: a reproducible mask; omitted: a fresh one each call
}

let nextSeed = Math.floor(Math.random() * 2 ** 32);

export function dropout(x: Tensor, options?: DropoutOptions): Tensor {
  expectTensor(x, 'x');
  const o = expectOptions<DropoutOptions>(options, 'options');
  const p = o.p === undefined ? 0.5 : expectNumber(o.p, 'p', 0, 1);
  const training = o.training === undefined ? true : expectBool(o.training, 'training');
  const seed = o.seed === undefined ? undefined : expectInt(o.seed, 'seed', 0, Number.MAX_SAFE_INTEGER);
  if (!training || p === 0) {
    traceOp('dropout', [x], [x], { p, training });
    return x;
  }
  let mask: Tensor;
  if (p === 1) {
    mask = getKernel('affineScalar', x.device)(x, 0, 0);
  } else {
    mask = getKernel('dropoutMask', x.device)(x.shape, p, seed ?? nextSeed++);
  }
  const mul = binaryKernel(x.device);
  const y = mul('mul', x, mask, x.shape);
  record(y, 'dropout', [x], { mask });
  traceOp('dropout', [x], [y], { p, training });
  return y;
}
