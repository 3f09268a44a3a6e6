// CPU kernels for linear (native/cpu/linear.cc), registered by name.
import { allocCpu, Tensor } from '../../tensor';
import { addon } from '../../native';
import { registerKernel } from '../../registry';

// The kernels' signatures by name, for registerKernel and getKernel (the CUDA twins are checked against them).
declare module '../../registry' {
  interface KernelSignatures {
    linearForward: LinearForwardKernel;
    linearBackward: LinearBackwardKernel;
  }
}

export type LinearForwardKernel = (x: Tensor, w: Tensor, b: Tensor | null) => Tensor;
export type LinearBackwardKernel = (x: Tensor, w: Tensor, dy: Tensor,
  need: { x: boolean; weight: boolean; bias: boolean }) => { dx: Tensor | null; dw: Tensor | null; db: Tensor | null };

const native = addon;

const linearForward: LinearForwardKernel = (x, w, b) => {
  const [n, inF] = x.shape;
  const outF = w.shape[0];
  const y = allocCpu(n * outF, false);
  native().linearForward(x.data, w.data, b ? b.data : null, y, n, inF, outF);
  return new Tensor(y, [n, outF]);
};

const linearBackward: LinearBackwardKernel = (x, w, dy, need) => {
  const [n, inF] = x.shape;
  const outF = w.shape[0];
  const dx = need.x ? allocCpu(n * inF, false) : null;
  const dw = need.weight ? allocCpu(outF * inF, false) : null;
  const db = need.bias ? allocCpu(outF, false) : null;
  native().linearBackward(x.data, w.data, dy.data, dx, dw, db, n, inF, outF);
  return {
    dx: dx ? new Tensor(dx, x.shape) : null,
    dw: dw ? new Tensor(dw, w.shape) : null,
    db: db ? new Tensor(db, [outF]) : null,
  };
};

registerKernel('linearForward', 'cpu', linearForward);
registerKernel('linearBackward', 'cpu', linearBackward);
