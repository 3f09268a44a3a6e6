// Registers every CUDA kernel under the CPU kernel's name (once; called when CUDA is first
// found usable, and by tests). Ops then dispatch on the tensors' device through the registry.
import { hasKernel } from '../../ops/registry';
import { registerConv } from './conv';
import { registerElementwise } from './elementwise';
import { registerLayers } from './layers';
import { registerLoss } from './loss';
import { registerOptim } from './optim';

export function registerCudaKernels(): void {
  if (hasKernel('relu', 'cuda')) return;
  registerElementwise();
  registerLayers();
  registerLoss();
  registerConv();
  registerOptim();
}
