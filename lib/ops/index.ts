// The ops namespace: every op validates its arguments, runs a registered kernel, and
// records its gradient on the tape. Semantics follow torch.nn.functional.
export { batchNorm2d } from './norm';
export type { BatchNormOptions } from './norm';
export { softmaxCrossEntropy, bceWithLogits, diceLoss, focalLoss, l1Loss } from './losses';
export type { CrossEntropyOptions, BceOptions, DiceOptions, FocalOptions } from './losses';
export { conv2d } from './conv';
export type { ConvOptions } from './conv-options';
export { featureTransfer } from './feature-transfer';
export { linear } from './linear';
