// The ops namespace: every op validates its arguments, runs a registered kernel, and
// records its name and what its gradient needs on the tape (the gradient is registered by
// that name in <op>.grad.ts beside it). Semantics follow torch.nn.functional.
export { relu, sigmoid } from './activation';
export { add, sub, mul, scale } from './arith';
export { sum, mean } from './reduce';
export type { ReduceOptions } from './reduce';
export { reshape, concat } from './shape';
export { maxPool2d, avgPool2d, globalAvgPool2d } from './pool';
export type { Pool2dOptions } from './pool';
export { upsample2d } from './resize';
export type { Upsample2dOptions, UpsampleMode } from './resize';
export { dropout } from './dropout';
export type { DropoutOptions } from './dropout';
export { batchNorm2d } from './norm';
export type { BatchNormOptions } from './norm';
export { softmaxCrossEntropy, bceWithLogits, diceLoss, focalLoss, l1Loss } from './losses';
export type { CrossEntropyOptions, BceOptions, DiceOptions, FocalOptions } from './losses';
export { conv2d } from './conv';
export type { ConvOptions } from './conv-options';
export { featureTransfer } from './feature-transfer';
export { linear } from './linear';
