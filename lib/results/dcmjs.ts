// The one place that loads dcmjs for the result writers, with the few types they use.
// dcmjs ships no TypeScript types; its logger is quietened to errors (it warns on Node 20).

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs');
dcmjs.log?.setLevel?.('error');

export type Dataset = Record<string, unknown>;

export const DicomMessage = dcmjs.data.DicomMessage as {
  readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): { meta: Dataset; dict: Dataset };
};
export const DicomDict = dcmjs.data.DicomDict as new (meta: Dataset) => { dict: Dataset; write(options?: Record<string, unknown>): ArrayBuffer };
export const DicomMetaDictionary = dcmjs.data.DicomMetaDictionary as {
  naturalizeDataset(ds: Dataset): Dataset;
  denaturalizeDataset(ds: Dataset): Dataset;
};
export const BitArray = dcmjs.data.BitArray as { pack(bits: Uint8Array): Uint8Array };
export const derivations = dcmjs.derivations as { Segmentation: new (datasets: Dataset[], options?: Record<string, unknown>) => SegmentationDerivation };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const sr = dcmjs.sr as any;

export interface SegmentationDerivation {
  dataset: Dataset & { SharedFunctionalGroupsSequence: Dataset; PerFrameFunctionalGroupsSequence: Dataset[] };
  setNumberOfFrames(n: number): void;
  addSegment(segment: Dataset, pixels: Uint8Array, referencedFrameNumbers: number[]): void;
  bitPackPixelData(): void;
}

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const IMPLEMENTATION_CLASS_UID = '1.2.826.0.1.3680043.10.1284.1';   // ftmtlnet's results writer

// A naturalized dataset written as a DICOM Part 10 file (explicit VR little endian).
export function encodePart10(ds: Dataset): Uint8Array {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: ds.SOPClassUID,
    MediaStorageSOPInstanceUID: ds.SOPInstanceUID,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: 'FTMTLNET',
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  const copy: Dataset = { ...ds };
  delete copy._meta;
  dict.dict = DicomMetaDictionary.denaturalizeDataset(copy);
  return new Uint8Array(dict.write({ fragmentMultiframe: false }));
}
