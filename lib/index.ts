// Public API of ftmtlnet.
export { Tensor } from './tensor';
export type { Device, TensorOptions } from './tensor';
export { noGrad, isGradEnabled, releaseGraph } from './autograd';
export { capabilities, setNumThreads, getNumThreads, memoryStats, setConvAlgorithm, getConvAlgorithm } from './capabilities';
export type { ConvAlgorithm } from './capabilities';
export { cudaMemoryStats, cudaSynchronize, setCudaMatmulPrecision, getCudaMatmulPrecision } from './cuda/device';
export type { CudaStats, MatmulPrecision } from './cuda/device';
export type { Capabilities } from './capabilities';
export * as ops from './ops/index';
export { generatePhantom, generatePhantoms, phantomStream, phantomDataset, PHANTOM_CLASSES } from './data/phantom';
export type { PhantomOptions, PhantomSetOptions, PhantomClass } from './data/phantom';
export { evaluate, evaluationCurves } from './eval/metrics';
export type { Prediction, EvaluationMetrics, EvaluateOptions } from './eval/metrics';
export * as nn from './nn/index';
export {
  FTMTLNet, OUTPUT_NAMES, PRESETS, resolveConfig, encodeTargets, MultiTaskLoss, decodeOutputs, predictGray,
} from './model/index';
export type {
  FTMTLNetOutputs, FTMTLNetOptions, FTMTLNetConfig, Preset, Transfer, Architecture, BatchTargets, TargetOptions,
  MultiTaskLossOptions, LossParts, LossResult, Detection, DecodeOptions, ImagePrediction,
  Prediction as ModelPrediction, PredictOptions, PredictInput, ModelSummary,
} from './model/index';
export { readSafetensors, writeSafetensors, encodeSafetensors, decodeSafetensors } from './train/safetensors';
// Checkpoints, worker prediction and ONNX are functions over the model (before 0.2 they were
// the methods model.save(dir), FTMTLNet.load(dir), model.predict(image), model.closePredictor(),
// model.exportOnnx(file) and FTMTLNet.fromOnnx(file)).
export { saveModel, loadModel } from './train/model-checkpoint';
export { predictImage, closePredictor } from './model/predictor';
export { exportOnnx } from './onnx/export';
export { profileStep, formatProfile } from './profile/index';
export type { ProfileOptions, StepProfile, ProfileReport, ProfileRow, TraceEvent } from './profile/index';
export { importOnnx } from './onnx/import';
export { loadDataset, detectFormat, DATASET_FORMATS } from './data/load';
export type { LoadOptions, DatasetFormat } from './data/load';
export { readDicomFile, decodeDicom, dicomToGray } from './data/dicom';
export type { DicomImage, DicomWindow, DisplayOptions, DecodeOptions as DicomDecodeOptions } from './data/dicom';
export { DEFAULT_DECODE_LIMITS, setDecodeLimits, resetDecodeLimits, resolveDecodeLimits } from './data/limits';
export type { DecodeLimits } from './data/limits';
export { readImageFile, readMaskFile } from './data/image-file';
export { DataFormatError, UnsupportedTransferSyntaxError } from './data/errors';
export { preprocessSample, preprocessImage, boxToOriginal, boxToPreprocessed, pointToOriginal, pointToPreprocessed, maskToOriginal } from './data/preprocess';
export type { PreprocessOptions, Geometry } from './data/preprocess';
export { summarizeDataset } from './data/summary';
export type { DatasetSummary } from './data/summary';
export type { Sample, Dataset, SkippedItem, GrayImage, Box, Lesion } from './data/sample';
export { predictionJson, dicomResults, writeResults, readSourceHeader } from './results/index';
export type { PredictionJson, DicomResults, DicomResultOptions, WriteResultsOptions, WrittenResults, AlgorithmIdentity } from './results/index';
export { createService } from './serve/server';
export type { ServiceOptions, Service } from './serve/server';
