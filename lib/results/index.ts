// Results out: the prediction JSON and the DICOM objects (SEG, SR TID 1500, Secondary Capture).
export { predictionJson, summarizeMask } from './prediction-json';
export type { PredictionJson, MaskSummary } from './prediction-json';
export { dicomResults, writeResults, defaultAlgorithm, resultStem } from './write-results';
export type { DicomResults, DicomResultOptions, WriteResultsOptions, WrittenResults } from './write-results';
export { readSourceHeader } from './source-header';
export type { SourceHeader, AlgorithmIdentity } from './source-header';
export { buildSegmentation, encodeSegmentation, unpackBinaryFrame, SEGMENTATION_SOP_CLASS } from './segmentation';
export { buildMeasurementReport, encodeMeasurementReport, COMPREHENSIVE_3D_SR_SOP_CLASS } from './measurement-report';
export { buildSecondaryCapture, encodeSecondaryCapture, SECONDARY_CAPTURE_SOP_CLASS } from './secondary-capture';
