// Secondary Capture of the overlay picture (the image with predicted boxes and mask outline),
// for viewers without SEG support: an 8-bit RGB image in the source's study, new series.
import sharp from 'sharp';
import { encodePart10, type Dataset } from './dcmjs';
import { newUid, patientOrientation, patientStudyAttributes, dicomDate, dicomTime, type AlgorithmIdentity, type SourceHeader } from './source-header';

export const SECONDARY_CAPTURE_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.7';

export interface SecondaryCaptureOptions {
  seriesInstanceUID?: string;
  sopInstanceUID?: string;
  seriesNumber?: number;
  now?: Date;
}

export async function buildSecondaryCapture(source: SourceHeader, overlayPng: Uint8Array, algorithm: AlgorithmIdentity, options: SecondaryCaptureOptions = {}): Promise<Dataset> {
  const { data, info } = await sharp(Buffer.from(overlayPng)).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`internal: overlay decoded to ${info.channels} channels, expected 3`);
  const pixels = new Uint8Array(data.length + (data.length % 2));
  pixels.set(data);
  const now = options.now ?? new Date();
  return {
    ...patientStudyAttributes(source),
    SOPClassUID: SECONDARY_CAPTURE_SOP_CLASS,
    SOPInstanceUID: options.sopInstanceUID ?? newUid(),
    Modality: 'OT',
    Laterality: source.laterality ?? '',
    SeriesInstanceUID: options.seriesInstanceUID ?? newUid(),
    SeriesNumber: options.seriesNumber ?? 9003,
    SeriesDescription: `${algorithm.name} overlay (not for diagnosis)`,
    SeriesDate: dicomDate(now), SeriesTime: dicomTime(now),
    Manufacturer: algorithm.manufacturer,
    ManufacturerModelName: algorithm.name,
    SoftwareVersions: algorithm.version,
    DeviceSerialNumber: algorithm.serialNumber,
    ConversionType: 'WSD',
    SecondaryCaptureDeviceManufacturer: algorithm.manufacturer,
    SecondaryCaptureDeviceManufacturerModelName: algorithm.name,
    SecondaryCaptureDeviceSoftwareVersions: algorithm.version,
    DateOfSecondaryCapture: dicomDate(now), TimeOfSecondaryCapture: dicomTime(now),
    InstanceNumber: 1,
    ContentDate: dicomDate(now), ContentTime: dicomTime(now),
    ImageType: ['DERIVED', 'SECONDARY'],
    PatientOrientation: patientOrientation(source),
    BurnedInAnnotation: 'NO',
    DerivationDescription: 'Source image with predicted mass boxes, scores and mask outline drawn over it',
    SourceImageSequence: [{ ReferencedSOPClassUID: source.sopClassUID, ReferencedSOPInstanceUID: source.sopInstanceUID }],
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: info.height,
    Columns: info.width,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    PixelData: pixels.buffer,
    _vrMap: { PixelData: 'OB' },
  };
}

export async function encodeSecondaryCapture(...args: Parameters<typeof buildSecondaryCapture>): Promise<Uint8Array> {
  return encodePart10(await buildSecondaryCapture(...args));
}
