// CUDA twins of the pooling, upsampling and batch-norm kernels (lib/ops/cpu/pool.ts, resize.ts,
// norm.ts), checked by registerKernel against the CPU kernels' signatures and sharing their geometry.
import { registerKernel } from '../../registry';
import { outputShape as poolOutputShape } from '../../ops/cpu/pool';
import type { BatchNormBackwardKernel, BatchNormForwardKernel } from '../../ops/cpu/norm';
import { cudaKernels, dev, devOrNull, emptyCuda } from './native';

// Runs once, when the first op of this group loads.
function registerLayers(): void {
  const k = cudaKernels;
  registerKernel('maxPool2dForward', 'cuda', ((x, g) => {
    const y = emptyCuda(poolOutputShape(x.shape, g));
    k().cudaMaxPool2dForward(dev(x), [...x.shape], g.kernelSize, g.stride, g.padding, dev(y));
    return y;
  }));
  registerKernel('maxPool2dBackward', 'cuda', ((x, gy, g) => {
    const gx = emptyCuda(x.shape);
    k().cudaMaxPool2dBackward(dev(x), [...x.shape], g.kernelSize, g.stride, g.padding, dev(gy), dev(gx));
    return gx;
  }));
  registerKernel('avgPool2dForward', 'cuda', ((x, g) => {
    const y = emptyCuda(poolOutputShape(x.shape, g));
    k().cudaAvgPool2dForward(dev(x), [...x.shape], g.kernelSize, g.stride, g.padding, dev(y));
    return y;
  }));
  registerKernel('avgPool2dBackward', 'cuda', ((x, gy, g) => {
    const gx = emptyCuda(x.shape);
    k().cudaAvgPool2dBackward(dev(gy), [...x.shape], g.kernelSize, g.stride, g.padding, dev(gx));
    return gx;
  }));

  registerKernel('upsample2dForward', 'cuda', ((x, scale, mode) => {
    const [n, c, h, w] = x.shape;
    const y = emptyCuda([n, c, h * scale[0], w * scale[1]]);
    if (mode === 'nearest') k().cudaUpsampleNearestForward(dev(x), [...x.shape], scale, dev(y));
    else k().cudaUpsampleBilinearForward(dev(x), [...x.shape], scale, dev(y));
    return y;
  }));
  registerKernel('upsample2dBackward', 'cuda', ((gy, xShape, scale, mode) => {
    const gx = emptyCuda(xShape);
    if (mode === 'nearest') k().cudaUpsampleNearestBackward(dev(gy), [...xShape], scale, dev(gx));
    else k().cudaUpsampleBilinearBackward(dev(gy), [...xShape], scale, dev(gx));
    return gx;
  }));

  const forward: BatchNormForwardKernel = (x, runningMean, runningVar, weight, bias, training, momentum, eps) => {
    const c = x.shape[1];
    const y = emptyCuda(x.shape);
    const mean = emptyCuda([c]);
    const invStd = emptyCuda([c]);
    k().cudaBatchNormForward(dev(x), x.shape, devOrNull(weight), devOrNull(bias), devOrNull(runningMean),
      devOrNull(runningVar), training, momentum, eps, dev(y), dev(mean), dev(invStd));
    return { y, saved: { mean, invStd } };
  };
  const backward: BatchNormBackwardKernel = (x, dy, weight, saved, training, want) => {
    const c = x.shape[1];
    const dx = want.x ? emptyCuda(x.shape) : null;
    const dweight = want.weight ? emptyCuda([c]) : null;
    const dbias = want.bias ? emptyCuda([c]) : null;
    k().cudaBatchNormBackward(dev(x), dev(dy), x.shape, devOrNull(weight), dev(saved.mean), dev(saved.invStd), training,
      devOrNull(dx), devOrNull(dweight), devOrNull(dbias));
    return { dx, dweight, dbias };
  };
  registerKernel('batchNorm2dForward', 'cuda', forward);
  registerKernel('batchNorm2dBackward', 'cuda', backward);
}

registerLayers();
