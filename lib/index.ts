// Public API of ftmtlnet.
export { Tensor } from './tensor';
export type { Device, TensorOptions } from './tensor';
export { noGrad, isGradEnabled } from './autograd';
export { capabilities, setNumThreads, getNumThreads, memoryStats } from './capabilities';
export type { Capabilities } from './capabilities';
export * as ops from './ops/index';
export { generatePhantom, generatePhantoms, phantomStream, PHANTOM_CLASSES } from './data/phantom';
export type { PhantomOptions, PhantomSetOptions, PhantomClass } from './data/phantom';
export { evaluate, evaluationCurves } from './eval/metrics';
export type { Prediction, EvaluationMetrics, EvaluateOptions } from './eval/metrics';
