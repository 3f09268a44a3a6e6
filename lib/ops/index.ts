// The ops namespace: every op validates its arguments, runs a registered kernel, and
// records its gradient on the tape. Semantics follow torch.nn.functional.
export { conv2d } from './conv';
export type { ConvOptions } from './conv-options';
export { featureTransfer } from './feature-transfer';
export { linear } from './linear';
