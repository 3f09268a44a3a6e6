// DICOM Segmentation (binary SEG) of the predicted mass mask, in the source image's pixel frame.
//
// dcmjs' Segmentation derivation expects a "normalized" multi-frame source (shared and
// per-frame functional groups with plane position and orientation); dcmjs has no normalizer for
// Digital Mammography (or any 2D projection image), so `new Segmentation([mg])` throws. We hand it
// a reference with the frame data it expects, then remove what a 2D projection image does not
// have: Plane Position / Plane Orientation, the ImagePositionPatient dimension, the
// FrameOfReferenceUID, and ReferencedFrameNumber for a single-frame source; and set
// PatientOrientation (General Image module, required when there is no Image Orientation).
import { derivations, encodePart10, type Dataset } from './dcmjs';
import { newUid, patientOrientation, patientStudyAttributes, dicomDate, dicomTime, type AlgorithmIdentity, type SourceHeader } from './source-header';
import { fail, describe } from '../errors';

export const SEGMENTATION_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';

export interface SegmentationOptions {
  seriesInstanceUID?: string;
  sopInstanceUID?: string;
  seriesNumber?: number;
  now?: Date;
}

const code = (CodeValue: string, CodingSchemeDesignator: string, CodeMeaning: string): Dataset => ({ CodeValue, CodingSchemeDesignator, CodeMeaning });

// The reference dataset dcmjs' derivation reads: only what it copies, no source pixels.
function derivationReference(source: SourceHeader): Dataset {
  const ds = source.dataset;
  const spacing = (ds.PixelSpacing ?? ds.ImagerPixelSpacing) as number[] | undefined;
  return {
    ...patientStudyAttributes(source),
    SOPClassUID: source.sopClassUID,
    SOPInstanceUID: source.sopInstanceUID,
    SeriesInstanceUID: source.seriesInstanceUID,
    StudyInstanceUID: source.studyInstanceUID,
    Rows: source.rows,
    Columns: source.columns,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsStored: 1,
    HighBit: 0,
    PixelData: new ArrayBuffer(0),
    SharedFunctionalGroupsSequence: {
      PixelMeasuresSequence: spacing ? { PixelSpacing: spacing } : {},
      PlaneOrientationSequence: { ImageOrientationPatient: [1, 0, 0, 0, 1, 0] },
    },
    PerFrameFunctionalGroupsSequence: [{ PlanePositionSequence: { ImagePositionPatient: [0, 0, 0] } }],
  };
}

// The 2D-projection repair of what the derivation wrote (see the file comment).
function toProjectionSegmentation(seg: Dataset, source: SourceHeader): void {
  delete seg.FrameOfReferenceUID;
  delete seg.PositionReferenceIndicator;
  const shared = seg.SharedFunctionalGroupsSequence as Dataset;
  delete shared.PlaneOrientationSequence;
  const measures = shared.PixelMeasuresSequence as Dataset | undefined;
  if (!measures || !measures.PixelSpacing) delete shared.PixelMeasuresSequence;
  else shared.PixelMeasuresSequence = { PixelSpacing: measures.PixelSpacing };
  for (const frame of seg.PerFrameFunctionalGroupsSequence as Dataset[]) {
    delete frame.PlanePositionSequence;
    delete frame.PlaneOrientationSequence;
    (frame.FrameContentSequence as Dataset).DimensionIndexValues = [(frame.SegmentIdentificationSequence as Dataset).ReferencedSegmentNumber];
    const src = (frame.DerivationImageSequence as Dataset).SourceImageSequence as Dataset;
    if (source.frames === 1) delete src.ReferencedFrameNumber;
  }
  const dims = seg.DimensionIndexSequence as Dataset[];
  seg.DimensionIndexSequence = dims.filter((d) => d.DimensionDescriptionLabel === 'ReferencedSegmentNumber');
  seg.PatientOrientation = patientOrientation(source);
  // Common Instance Reference: a series of the same study is referenced without the study UID.
  const series = seg.ReferencedSeriesSequence as Dataset;
  delete series.StudyInstanceUID;
}

// Builds the SEG dataset (naturalized) of a 0/1 mask of the source's Rows x Columns.
export function buildSegmentation(source: SourceHeader, mask: { width: number; height: number; data: Uint8Array }, algorithm: AlgorithmIdentity, options: SegmentationOptions = {}): Dataset {
  if (mask.width !== source.columns || mask.height !== source.rows) {
    fail('range', `a mask of the source's size ${source.columns}x${source.rows}`, 'mask', `${mask.width}x${mask.height}`);
  }
  if (mask.data.length !== mask.width * mask.height) fail('range', `mask data of length ${mask.width * mask.height}`, 'mask.data', describe(mask.data));
  const now = options.now ?? new Date();
  const derivation = new derivations.Segmentation([derivationReference(source)], {
    Manufacturer: algorithm.manufacturer,
    ManufacturerModelName: algorithm.name,
    SoftwareVersions: algorithm.version,
    DeviceSerialNumber: algorithm.serialNumber,
    SeriesDescription: `${algorithm.name} mass segmentation`,
    SeriesNumber: String(options.seriesNumber ?? 9001),
    SeriesInstanceUID: options.seriesInstanceUID ?? newUid(),
    SOPInstanceUID: options.sopInstanceUID ?? newUid(),
    SeriesDate: dicomDate(now), SeriesTime: dicomTime(now), ContentDate: dicomDate(now), ContentTime: dicomTime(now),
    ContentLabel: 'MASS',
    ContentDescription: 'Predicted breast mass mask',
    ContentCreatorName: '',
    includeSliceSpacing: false,
  });
  derivation.setNumberOfFrames(1);
  const pixels = new Uint8Array(mask.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = mask.data[i] ? 1 : 0;
  derivation.addSegment({
    SegmentLabel: 'Mass',
    SegmentDescription: 'Breast mass predicted by the segmentation head',
    SegmentAlgorithmType: 'AUTOMATIC',
    SegmentAlgorithmName: algorithm.name,
    SegmentedPropertyCategoryCodeSequence: code('49755003', 'SCT', 'Morphologically Abnormal Structure'),
    SegmentedPropertyTypeCodeSequence: code('4147007', 'SCT', 'Mass'),
    RecommendedDisplayCIELabValue: [60000, 53000, 50000],
  }, pixels, [1]);
  derivation.bitPackPixelData();
  const seg = derivation.dataset;
  toProjectionSegmentation(seg, source);
  // The derivation keeps an "SEGMENTATION" ContentLabel and drops the source's identity fields we set.
  seg.ContentLabel = 'MASS';
  seg.ImageType = ['DERIVED', 'PRIMARY'];
  seg.SegmentsOverlap = 'NO';
  seg.InstanceNumber = 1;
  seg._vrMap = { PixelData: 'OB' };
  return seg;
}

export function encodeSegmentation(...args: Parameters<typeof buildSegmentation>): Uint8Array {
  return encodePart10(buildSegmentation(...args));
}

// Unpacks a binary SEG frame (bit 0 of byte 0 is the first pixel) - for checks and readers.
export function unpackBinaryFrame(bytes: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (bytes[i >> 3] >> (i & 7)) & 1;
  return out;
}
