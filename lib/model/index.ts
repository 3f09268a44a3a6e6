// The model: FTMTLNet, its config, targets, losses, decoding and prediction.
export { FTMTLNet, OUTPUT_NAMES } from './ftmtlnet';
export type { FTMTLNetOutputs } from './ftmtlnet';
export { PRESETS, resolveConfig, defaultClassNames } from './config';
export type { FTMTLNetOptions, FTMTLNetConfig, Preset, Transfer, Architecture } from './config';
export { encodeTargets, gaussianRadius } from './targets';
export type { BatchTargets, TargetOptions } from './targets';
export { MultiTaskLoss } from './multitask-loss';
export type { MultiTaskLossOptions, LossParts, LossResult } from './multitask-loss';
export { decodeOutputs, decodeDetections, decodeMask, softmaxRows } from './decode';
export type { Detection, DecodeOptions, ImagePrediction } from './decode';
export { predictGray } from './predict-run';
export { predictImage, closePredictor } from './predictor';
export type { Prediction, PredictOptions } from './predict-run';
export type { PredictInput } from './predict-input';
export type { ModelSummary, BranchSummary } from './summary';
export { featureJoins } from './joins';
export type { FeatureJoins } from './joins';
