// Test-only: a stand-in for a cuda tensor (for device-mismatch messages on machines without
// a GPU). It passes `instanceof Tensor` and reports device 'cuda'; it has no storage.
import { Tensor } from '../../lib/tensor';

export function fakeCudaTensor(shape: number[]): Tensor {
  return Object.create(Tensor.prototype, {
    shape: { value: Object.freeze([...shape]) },
    device: { value: 'cuda' },
    requiresGrad: { value: false, writable: true },
  }) as Tensor;
}
