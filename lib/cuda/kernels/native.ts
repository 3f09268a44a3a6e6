// The CUDA kernels' native entry points (declared in lib/native.ts: device buffers where the
// CPU glue takes Float32Arrays) and the helpers every CUDA kernel file shares.
import { cudaAddon, type CudaKernelNative } from '../../native';
import { Tensor, shapeSize } from '../../tensor';
import { DeviceBuffer, deviceAlloc } from '../device';

export type { CudaKernelNative };

export const cudaKernels = (): CudaKernelNative => cudaAddon();

// A new uninitialised cuda tensor (kernels overwrite every element).
export function emptyCuda(shape: readonly number[]): Tensor {
  return new Tensor(deviceAlloc(shapeSize(shape), false), shape);
}

// The device buffer of a cuda tensor (the registry only hands cuda kernels cuda tensors).
export function dev(t: Tensor): DeviceBuffer {
  if (t.deviceBuffer === null) throw new Error(`internal: a cuda kernel received a tensor on ${t.device}`);
  return t.deviceBuffer;
}

export function devOrNull(t: Tensor | null | undefined): DeviceBuffer | null {
  return t ? dev(t) : null;
}
