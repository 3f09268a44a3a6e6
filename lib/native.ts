// The one gateway to the native addon (.node): it loads it, and declares every function the
// addon exports, once (test/native-gateway.test.ts compares these names with the loaded
// addon's exports). Only the ops (lib/ops, lib/cuda/kernels) and the storage layer
// (storage.ts, cuda/device.ts, capabilities.ts) call it (.dependency-cruiser.cjs).
import * as path from 'node:path';
import * as fs from 'node:fs';

export interface PoolStats {
  bytesInUse: number;
  bytesCached: number;
  allocations: number;
  systemAllocations: number;
  weightCacheBytes: number;    // transformed Winograd weights kept for inference (not pool memory)
}

export interface CudaInfo {
  built: boolean;
  available: boolean;
  devices: number;
  reason?: string;
  name?: string;
  computeCapability?: string;
}

export type ConvAlgorithm = 'auto' | 'direct' | 'wino2' | 'wino4';

export interface NativeCore {
  alloc(length: number, zero: boolean): Float32Array;
  release(array: Float32Array): boolean;
  poolStats(): PoolStats;
  poolTrim(): void;
  isAligned(a: Float32Array): boolean;
  simdLevel(): 'avx512' | 'avx2' | 'scalar';
  numThreads(): number;
  setNumThreads(n: number): void;
  // The CPU's stride-1 3x3 convolution algorithm (FTMTLNET_CONV until set; native/cpu/winograd.h).
  convAlgorithm(): ConvAlgorithm;
  setConvAlgorithm(algorithm: ConvAlgorithm): void;
  cudaInfo(): CudaInfo;
  fmaPeak(threads: number, iterations: number): number;   // GFLOP/s (benchmarks)
}

// An opaque handle to device memory (a type-tagged N-API External); freed when collected.
export interface DeviceBuffer {
  readonly __deviceBuffer: unique symbol;
}

export interface CudaStats {
  bytesInUse: number;
  bytesCached: number;
  allocations: number;
  systemAllocations: number;
  hostToDeviceCopies: number;
  hostToDeviceBytes: number;
  deviceToHostCopies: number;
  deviceToHostBytes: number;
}

// relu and sigmoid (native/addon/elementwise_glue.cc)
export interface ActivationNative {
  reluForward(x: Float32Array, y: Float32Array): void;
  reluBackward(x: Float32Array, gy: Float32Array, gx: Float32Array): void;
  sigmoidForward(x: Float32Array, y: Float32Array): void;
  sigmoidBackward(y: Float32Array, gy: Float32Array, gx: Float32Array): void;
}

// broadcasting arithmetic (elementwise_glue.cc)
export interface BroadcastNative {
  binaryBroadcast(op: number, a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], y: Float32Array, outShape: number[]): void;
  affineScalar(x: Float32Array, y: Float32Array, s: number, c: number): void;
  // y = a + b (the tape's gradient sum); y is a, b, or a buffer overlapping neither.
  gradAccumulate(a: Float32Array, b: Float32Array, y: Float32Array): void;
  sumToShape(g: Float32Array, gShape: number[], y: Float32Array, targetShape: number[], scale: number): void;
  broadcastTo(x: Float32Array, xShape: number[], y: Float32Array, outShape: number[], scale: number): void;
}

// dropout mask (elementwise_glue.cc)
export interface DropoutNative {
  dropoutMask(mask: Float32Array, p: number, seed: number): void;
}

// concat/split rows (elementwise_glue.cc)
export interface ShapeNative {
  copyRows(src: Float32Array, srcOffset: number, srcStride: number, dst: Float32Array, dstOffset: number,
    dstStride: number, rows: number, rowLength: number): void;
}

// conv2d and featureTransfer (conv_glue.cc)
export interface ConvNative {
  conv2dForward(x: Float32Array, xShape: number[], w: Float32Array, wShape: number[], b: Float32Array | null,
    y: Float32Array, sh: number, sw: number, ph: number, pw: number, relu?: boolean, rowScale?: Float32Array | null): void;
  conv2dBackwardData(dy: Float32Array, w: Float32Array, wShape: number[], dx: Float32Array, xShape: number[],
    sh: number, sw: number, ph: number, pw: number): void;
  conv2dBackwardWeight(x: Float32Array, xShape: number[], dy: Float32Array, dw: Float32Array | null,
    wShape: number[], db: Float32Array | null, sh: number, sw: number, ph: number, pw: number): void;
  featureTransferForward(xs: Float32Array[], channels: number[], nhw: number[], w: Float32Array, wShape: number[],
    b: Float32Array | null, y: Float32Array, sh: number, sw: number, ph: number, pw: number, relu?: boolean,
    rowScale?: Float32Array | null): void;
  featureTransferBackward(xs: Float32Array[], channels: number[], nhw: number[], w: Float32Array, wShape: number[],
    dy: Float32Array, dxs: (Float32Array | null)[], dw: Float32Array | null, db: Float32Array | null,
    sh: number, sw: number, ph: number, pw: number): void;
}

// linear (linear_glue.cc)
export interface LinearNative {
  linearForward(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array,
    n: number, inF: number, outF: number): void;
  linearBackward(x: Float32Array, w: Float32Array, dy: Float32Array, dx: Float32Array | null,
    dw: Float32Array | null, db: Float32Array | null, n: number, inF: number, outF: number): void;
}

// pooling (pool_glue.cc)
export interface PoolNative {
  maxPool2dForward(x: Float32Array, xShape: number[], k: number[], s: number[], p: number[], y: Float32Array): void;
  maxPool2dBackward(x: Float32Array, xShape: number[], k: number[], s: number[], p: number[], gy: Float32Array, gx: Float32Array): void;
  avgPool2dForward(x: Float32Array, xShape: number[], k: number[], s: number[], p: number[], y: Float32Array): void;
  avgPool2dBackward(gy: Float32Array, xShape: number[], k: number[], s: number[], p: number[], gx: Float32Array): void;
}

// upsampling (resize_glue.cc)
export interface ResizeNative {
  upsampleNearestForward(x: Float32Array, xShape: number[], scale: number[], y: Float32Array): void;
  upsampleNearestBackward(gy: Float32Array, xShape: number[], scale: number[], gx: Float32Array): void;
  upsampleBilinearForward(x: Float32Array, xShape: number[], scale: number[], y: Float32Array): void;
  upsampleBilinearBackward(gy: Float32Array, xShape: number[], scale: number[], gx: Float32Array): void;
}

// batch norm (norm_glue.cc)
export interface NormNative {
  batchNormForward(
    x: Float32Array, shape: readonly number[], weight: Float32Array | null, bias: Float32Array | null,
    runningMean: Float32Array | null, runningVar: Float32Array | null, training: boolean, momentum: number,
    eps: number, y: Float32Array, saveMean: Float32Array, saveInvStd: Float32Array, relu?: boolean,
  ): void;
  batchNormBackward(
    x: Float32Array, dy: Float32Array, shape: readonly number[], weight: Float32Array | null,
    saveMean: Float32Array, saveInvStd: Float32Array, training: boolean, dx: Float32Array | null,
    dweight: Float32Array | null, dbias: Float32Array | null, relu?: boolean, bias?: Float32Array | null,
  ): void;
}

// losses (loss_glue.cc)
export interface LossNative {
  softmaxCrossEntropy(
    logits: Float32Array, n: number, k: number, targets: Int32Array, weight: Float32Array | null,
    labelSmoothing: number, dlogits: Float32Array | null,
  ): number;
  bceWithLogits(
    logits: Float32Array, targets: Float32Array, rows: number, inner: number, posWeight: Float32Array | null,
    channels: number, dlogits: Float32Array | null,
  ): number;
  diceLoss(logits: Float32Array, targets: Float32Array, n: number, m: number, eps: number, dlogits: Float32Array | null): number;
  focalLoss(logits: Float32Array, targets: Float32Array, alpha: number, beta: number, dlogits: Float32Array | null): number;
  l1Loss(
    pred: Float32Array, target: Float32Array, mask: Float32Array | null, n: number, c: number, hw: number,
    maskChannels: number, dpred: Float32Array | null,
  ): number;
}

// The optimizers (optim_glue.cc; the CUDA twins take device buffers): in place on the
// parameter and its state. B is the storage: Float32Array here.
export interface OptimFunctions<B> {
  // p, g, momentumBuf: (n) -> p, momentumBuf updated in place
  sgdStep(p: B, g: B, momentumBuf: B | null, lr: number, momentum: number,
    dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean): void;
  // p, g, m, v: (n) -> p, m, v updated in place; step is 1-based (bias correction)
  adamwStep(p: B, g: B, m: B, v: B, lr: number, beta1: number,
    beta2: number, eps: number, weightDecay: number, step: number): void;
  // x: (n) -> sum of squares (double, independent of the thread count)
  sumSquares(x: B): number;
  // x: (n) -> x * s in place
  scaleInPlace(x: B, s: number): void;
}
export type OptimNative = OptimFunctions<Float32Array>;

export type CpuAddon = NativeCore & ActivationNative & BroadcastNative & DropoutNative & ShapeNative & ConvNative &
  LinearNative & PoolNative & ResizeNative & NormNative & LossNative & OptimNative;

type Buf = DeviceBuffer;
type OptBuf = DeviceBuffer | null;

// CUDA device memory (native/addon/cuda_tensor_glue.cc).
export interface CudaTensorNative {
  cudaAlloc(length: number, zero: boolean): DeviceBuffer;
  cudaUpload(dst: DeviceBuffer, src: Float32Array): void;
  cudaDownload(dst: Float32Array, src: DeviceBuffer): void;
  cudaCopy(dst: DeviceBuffer, src: DeviceBuffer): void;
  cudaFill(dst: DeviceBuffer, value: number): void;
  cudaLength(b: DeviceBuffer): number;
  cudaIsBuffer(v: unknown): boolean;
  cudaSynchronize(): void;
  cudaTrim(): void;
  cudaStats(): CudaStats;
}

// The CUDA kernels (native/addon/cuda_*_glue.cc): the CPU functions' arguments with device
// buffers in place of Float32Arrays.
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

// Present when the addon was built with CUDA (cudaInfo().built), whether or not a GPU is found.
export type CudaAddon = CudaTensorNative & CudaKernelNative;
export type Addon = CpuAddon & Partial<CudaAddon>;

let loaded: Record<string, unknown> | null = null;

function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'native'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`ftmtlnet: cannot find the package root above ${__dirname}`);
    dir = up;
  }
}

function load(): Record<string, unknown> {
  if (loaded) return loaded;
  const override = process.env.FTMTLNET_ADDON;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = override ? require(path.resolve(override)) : require('node-gyp-build')(packageRoot());
  } catch (err) {
    throw new Error(
      `ftmtlnet: the native addon could not be loaded (${(err as Error).message}). ` +
        'Build it with `npm rebuild ftmtlnet` (needs cmake >= 3.20 and a C++17 compiler).',
    );
  }
  return loaded!;
}

// The addon's CPU functions (always there) and, typed as optional, its CUDA ones.
export function addon(): Addon {
  return load() as unknown as Addon;
}

// The addon as a CUDA build (check cudaInfo().built, or use cuda/device.ts requireCuda, first).
export function cudaAddon(): CpuAddon & CudaAddon {
  return load() as unknown as CpuAddon & CudaAddon;
}

export function nativeCore(): NativeCore {
  return addon();
}

// Every declared name, for test/native-gateway.test.ts (a missing or extra key does not compile).
const CPU_NAMES: Record<keyof CpuAddon, true> = {
  alloc: true, release: true, poolStats: true, poolTrim: true, isAligned: true, simdLevel: true,
  numThreads: true, setNumThreads: true, convAlgorithm: true, setConvAlgorithm: true, cudaInfo: true, fmaPeak: true, reluForward: true, reluBackward: true,
  sigmoidForward: true, sigmoidBackward: true, binaryBroadcast: true, affineScalar: true, gradAccumulate: true, sumToShape: true,
  broadcastTo: true, dropoutMask: true, copyRows: true, conv2dForward: true, conv2dBackwardData: true,
  conv2dBackwardWeight: true, featureTransferForward: true, featureTransferBackward: true, linearForward: true,
  linearBackward: true, maxPool2dForward: true, maxPool2dBackward: true, avgPool2dForward: true,
  avgPool2dBackward: true, upsampleNearestForward: true, upsampleNearestBackward: true,
  upsampleBilinearForward: true, upsampleBilinearBackward: true, batchNormForward: true,
  batchNormBackward: true, softmaxCrossEntropy: true, bceWithLogits: true, diceLoss: true, focalLoss: true,
  l1Loss: true, sgdStep: true, adamwStep: true, sumSquares: true, scaleInPlace: true,
};
const CUDA_NAMES: Record<keyof CudaAddon, true> = {
  cudaAlloc: true, cudaUpload: true, cudaDownload: true, cudaCopy: true, cudaFill: true, cudaLength: true,
  cudaIsBuffer: true, cudaSynchronize: true, cudaTrim: true, cudaStats: true, cudaReluForward: true,
  cudaReluBackward: true, cudaSigmoidForward: true, cudaSigmoidBackward: true, cudaAffineScalar: true,
  cudaScaleByScalar: true, cudaBinaryBroadcast: true, cudaSumToShape: true, cudaBroadcastTo: true,
  cudaDropoutMask: true, cudaCopyRows: true, cudaSetMatmulPrecision: true, cudaMatmulPrecision: true,
  cudaConv2dForward: true, cudaConv2dBackwardData: true, cudaConv2dBackwardWeight: true,
  cudaFeatureTransferForward: true, cudaFeatureTransferBackward: true, cudaLinearForward: true,
  cudaLinearBackward: true, cudaBatchNormForward: true, cudaBatchNormBackward: true,
  cudaMaxPool2dForward: true, cudaMaxPool2dBackward: true, cudaAvgPool2dForward: true,
  cudaAvgPool2dBackward: true, cudaUpsampleNearestForward: true, cudaUpsampleNearestBackward: true,
  cudaUpsampleBilinearForward: true, cudaUpsampleBilinearBackward: true, cudaSgdStep: true,
  cudaAdamwStep: true, cudaSumSquares: true, cudaScaleInPlace: true, cudaSoftmaxCrossEntropy: true,
  cudaBceWithLogits: true, cudaDiceLoss: true, cudaFocalLoss: true, cudaL1Loss: true,
};
export const CPU_FUNCTIONS: readonly string[] = Object.keys(CPU_NAMES);
export const CUDA_FUNCTIONS: readonly string[] = Object.keys(CUDA_NAMES);
