// DICOM Digital Mammography images the way scanners write them (full MG IOD header: patient,
// study, series, equipment, ImagerPixelSpacing, laterality, view codes, VOI window), with a
// breast-like picture: a bright half-ellipse against the chest wall and one dense round mass.
import { writeDicom } from './dicom-fixtures';

export interface MammogramOptions {
  width?: number;
  height?: number;
  photometric?: 'MONOCHROME1' | 'MONOCHROME2';
  bitsStored?: 12 | 14 | 15 | 16;
  laterality?: 'L' | 'R';
  view?: 'CC' | 'MLO';
  patientOrientation?: boolean;   // write PatientOrientation (most scanners do)
  seed?: number;
  uids?: { study: string; series: string; sop: string };   // default: derived from the seed
  patientId?: string;
}

export const MG_FOR_PRESENTATION = '1.2.840.10008.5.1.4.1.1.1.2';

export interface Mammogram {
  bytes: Buffer;
  uids: { study: string; series: string; sop: string };
  mass: { cx: number; cy: number; r: number };
}

export function writeMammogram(o: MammogramOptions = {}): Mammogram {
  const width = o.width ?? 96, height = o.height ?? 128;
  const bits = o.bitsStored ?? 12;
  const max = 2 ** bits - 1;
  const lat = o.laterality ?? 'L';
  const view = o.view ?? 'CC';
  const seed = o.seed ?? 1;
  // Chest wall on the image's left edge for a left breast, right edge for a right one.
  const wallX = lat === 'L' ? 0 : width - 1;
  const mass = { cx: lat === 'L' ? Math.round(width * 0.4) : Math.round(width * 0.6), cy: Math.round(height * 0.5), r: Math.max(3, Math.round(width * 0.08)) };
  const values = new Array<number>(width * height);
  let s = seed * 9301 + 49297;
  const rand = () => ((s = (s * 9301 + 49297) % 233280) / 233280);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = (x - wallX) / (width * 0.75), dy = (y - height / 2) / (height * 0.45);
      const inBreast = dx * dx + dy * dy <= 1;
      const m = (x - mass.cx) ** 2 + (y - mass.cy) ** 2 <= mass.r ** 2;
      let v = inBreast ? 0.45 + 0.1 * rand() : 0.02 * rand();
      if (m && inBreast) v = 0.85 + 0.05 * rand();
      // Stored values: MONOCHROME1 stores dense tissue as low values.
      const t = o.photometric === 'MONOCHROME1' ? 1 - v : v;
      values[y * width + x] = Math.round(t * max);
    }
  }
  const uid = (n: number) => `1.2.826.0.1.3680043.9.7.${seed}.${n}`;
  const uids = o.uids ?? { study: uid(1), series: uid(2), sop: uid(3) };
  const viewCode = view === 'CC'
    ? { CodeValue: '399162004', CodingSchemeDesignator: 'SCT', CodeMeaning: 'cranio-caudal' }
    : { CodeValue: '399368009', CodingSchemeDesignator: 'SCT', CodeMeaning: 'medio-lateral oblique' };
  const bytes = writeDicom({
    width, height, values, bitsAllocated: 16, bitsStored: bits,
    photometric: o.photometric ?? 'MONOCHROME2',
    windowCenter: [max / 2], windowWidth: [max],
    laterality: lat, view,
    extra: {
      SpecificCharacterSet: 'ISO_IR 100',
      ImageType: ['ORIGINAL', 'PRIMARY'],
      SOPClassUID: MG_FOR_PRESENTATION,
      SOPInstanceUID: uids.sop,
      StudyInstanceUID: uids.study,
      SeriesInstanceUID: uids.series,
      StudyDate: '20240105', StudyTime: '101500', SeriesDate: '20240105', SeriesTime: '101500',
      ContentDate: '20240105', ContentTime: '101600', AcquisitionDateTime: '20240105101600',
      AccessionNumber: 'ACC0042', ReferringPhysicianName: 'Doe^Jane', StudyID: 'S42', StudyDescription: 'Screening mammography',
      SeriesNumber: 1, InstanceNumber: 1, SeriesDescription: `${lat}${view}`,
      PatientName: 'Test^Patient', PatientID: o.patientId ?? 'P0042', PatientBirthDate: '19650301', PatientSex: 'F', PatientAge: '058Y',
      Manufacturer: 'Test Scanner Co', ManufacturerModelName: 'FFDM-1', DeviceSerialNumber: 'SN-1', SoftwareVersions: '1.0',
      InstitutionName: 'Test Hospital',
      BodyPartExamined: 'BREAST',
      PresentationIntentType: 'FOR PRESENTATION',
      BurnedInAnnotation: 'NO',
      ImagerPixelSpacing: [0.1, 0.1], PixelSpacing: [0.1, 0.1],
      PixelIntensityRelationship: 'LOG', PixelIntensityRelationshipSign: o.photometric === 'MONOCHROME1' ? -1 : 1,
      RescaleIntercept: 0, RescaleSlope: 1, RescaleType: 'US',
      PresentationLUTShape: o.photometric === 'MONOCHROME1' ? 'INVERSE' : 'IDENTITY',
      LossyImageCompression: '00',
      ...(o.patientOrientation === false ? {} : { PatientOrientation: lat === 'L' ? ['A', view === 'CC' ? 'R' : 'FR'] : ['P', view === 'CC' ? 'L' : 'FL'] }),
      PositionerType: 'MAMMOGRAPHIC',
      DetectorType: 'DIRECT', KVP: 28, ExposureTime: 1000, XRayTubeCurrent: 100, Exposure: 100,
      BodyPartThickness: 50, CompressionForce: 100, DistanceSourceToDetector: 660, DistanceSourceToPatient: 610,
      AnatomicRegionSequence: [{ CodeValue: '76752008', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Breast' }],
      ViewCodeSequence: [{ ...viewCode, ViewModifierCodeSequence: [] }],
      BreastImplantPresent: 'NO', PartialView: 'NO', OrganExposed: 'BREAST',
      QualityControlImage: 'NO', AcquisitionContextSequence: [],
    },
  });
  return { bytes, uids, mass };
}
