// The CUDA kernels' native entry points (device buffers where the CPU glue takes Float32Arrays)
// and the helpers every CUDA kernel file shares.
import { nativeFunctions } from '../../native';
import { Tensor, shapeSize } from '../../tensor';
import { DeviceBuffer, deviceAlloc } from '../device';

type Buf = DeviceBuffer;
type OptBuf = DeviceBuffer | null;

export interface CudaKernelNative {
  cudaReluForward(x: Buf, y: Buf): void;
  cudaReluBackward(x: Buf, gy: Buf, gx: Buf): void;
  cudaSigmoidForward(x: Buf, y: Buf): void;
  cudaSigmoidBackward(y: Buf, gy: Buf, gx: Buf): void;
  cudaAffineScalar(x: Buf, y: Buf, s: number, c: number): void;
  cudaScaleByScalar(x: Buf, scalar: Buf, y: Buf): void;
  cudaBinaryBroadcast(op: number, a: Buf, aShape: number[], b: Buf, bShape: number[], y: Buf, outShape: number[]): void;
  cudaSumToShape(g: Buf, gShape: number[], y: Buf, targetShape: number[], scale: number): void;
  cudaBroadcastTo(x: Buf, xShape: number[], y: Buf, outShape: number[], scale: number): void;
  cudaDropoutMask(mask: Buf, p: number, seed: number): void;
  cudaCopyRows(src: Buf, srcOffset: number, srcStride: number, dst: Buf, dstOffset: number, dstStride: number,
    rows: number, rowLength: number): void;
  cudaSetMatmulPrecision(p: number): void;
  cudaMatmulPrecision(): number;
  cudaConv2dForward(x: Buf, xShape: number[], w: Buf, wShape: number[], b: OptBuf, y: Buf, sh: number, sw: number,
    ph: number, pw: number): void;
  cudaConv2dBackwardData(dy: Buf, w: Buf, wShape: number[], dx: Buf, xShape: number[], sh: number, sw: number,
    ph: number, pw: number): void;
  cudaConv2dBackwardWeight(x: Buf, xShape: number[], dy: Buf, dw: OptBuf, wShape: number[], db: OptBuf, sh: number,
    sw: number, ph: number, pw: number): void;
  cudaFeatureTransferForward(xs: Buf[], channels: number[], nhw: number[], w: Buf, wShape: number[], b: OptBuf, y: Buf,
    sh: number, sw: number, ph: number, pw: number): void;
  cudaFeatureTransferBackward(xs: Buf[], channels: number[], nhw: number[], w: Buf, wShape: number[], dy: Buf,
    dxs: OptBuf[], dw: OptBuf, db: OptBuf, sh: number, sw: number, ph: number, pw: number): void;
  cudaLinearForward(x: Buf, w: Buf, b: OptBuf, y: Buf, n: number, inF: number, outF: number): void;
  cudaLinearBackward(x: Buf, w: Buf, dy: Buf, dx: OptBuf, dw: OptBuf, db: OptBuf, n: number, inF: number,
    outF: number): void;
  cudaBatchNormForward(x: Buf, shape: readonly number[], weight: OptBuf, bias: OptBuf, runningMean: OptBuf,
    runningVar: OptBuf, training: boolean, momentum: number, eps: number, y: Buf, saveMean: Buf, saveInvStd: Buf): void;
  cudaBatchNormBackward(x: Buf, dy: Buf, shape: readonly number[], weight: OptBuf, saveMean: Buf, saveInvStd: Buf,
    training: boolean, dx: OptBuf, dweight: OptBuf, dbias: OptBuf): void;
  cudaMaxPool2dForward(x: Buf, xShape: number[], k: number[], s: number[], p: number[], y: Buf): void;
  cudaMaxPool2dBackward(x: Buf, xShape: number[], k: number[], s: number[], p: number[], gy: Buf, gx: Buf): void;
  cudaAvgPool2dForward(x: Buf, xShape: number[], k: number[], s: number[], p: number[], y: Buf): void;
  cudaAvgPool2dBackward(gy: Buf, xShape: number[], k: number[], s: number[], p: number[], gx: Buf): void;
  cudaUpsampleNearestForward(x: Buf, xShape: number[], scale: number[], y: Buf): void;
  cudaUpsampleNearestBackward(gy: Buf, xShape: number[], scale: number[], gx: Buf): void;
  cudaUpsampleBilinearForward(x: Buf, xShape: number[], scale: number[], y: Buf): void;
  cudaUpsampleBilinearBackward(gy: Buf, xShape: number[], scale: number[], gx: Buf): void;
  cudaSgdStep(p: Buf, g: Buf, momentumBuf: OptBuf, lr: number, momentum: number, dampening: number, weightDecay: number,
    nesterov: boolean, firstStep: boolean): void;
  cudaAdamwStep(p: Buf, g: Buf, m: Buf, v: Buf, lr: number, beta1: number, beta2: number, eps: number,
    weightDecay: number, step: number): void;
  cudaSumSquares(x: Buf): number;
  cudaScaleInPlace(x: Buf, s: number): void;
  cudaSoftmaxCrossEntropy(logits: Buf, n: number, k: number, targets: Int32Array, weight: OptBuf,
    labelSmoothing: number, dlogits: OptBuf, loss: Buf): void;
  cudaBceWithLogits(logits: Buf, targets: Buf, rows: number, inner: number, posWeight: OptBuf, channels: number,
    dlogits: OptBuf, loss: Buf): void;
  cudaDiceLoss(logits: Buf, targets: Buf, n: number, m: number, eps: number, dlogits: OptBuf, loss: Buf): void;
  cudaFocalLoss(logits: Buf, targets: Buf, alpha: number, beta: number, dlogits: OptBuf, loss: Buf): void;
  cudaL1Loss(pred: Buf, target: Buf, mask: OptBuf, n: number, c: number, hw: number, maskChannels: number,
    dpred: OptBuf, loss: Buf): void;
}

export const cudaKernels = (): CudaKernelNative => nativeFunctions<CudaKernelNative>();

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
