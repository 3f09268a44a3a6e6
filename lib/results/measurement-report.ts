// DICOM Structured Report, TID 1500 Measurement Report, of one prediction: one Planar ROI group
// (TID 1410) per detected mass, with its bounding box as a closed polyline on the source image,
// its score and the predicted class; one image-level group (TID 1501) with the malignancy
// probability and, when nothing was found, a statement that no mass was detected. Built with
// dcmjs' SR templates (sr.templates / sr.valueTypes) and its Comprehensive 3D SR document.
import { sr, encodePart10, type Dataset } from './dcmjs';
import { newUid, patientStudyAttributes, dicomDate, dicomTime, type AlgorithmIdentity, type SourceHeader } from './source-header';
import type { Prediction } from '../model/predict-run';

const { CodedConcept } = sr.coding;
const { CodeContentItem, NumContentItem, TextContentItem, UIDRefContentItem, ContainerContentItem, ImageContentItem, ContentSequence, RelationshipTypes } = sr.valueTypes;
const { ImageRegion, SourceImageForRegion } = sr.contentItems;
const T = sr.templates;

export const COMPREHENSIVE_3D_SR_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.88.34';

const concept = (value: string, schemeDesignator: string, meaning: string) => new CodedConcept({ value, schemeDesignator, meaning });
export const CODES = {
  mammography: () => concept('71651007', 'SCT', 'Mammography'),
  device: () => concept('121007', 'DCM', 'Device'),
  mass: () => concept('4147007', 'SCT', 'Mass'),
  finding: () => concept('121071', 'DCM', 'Finding'),
  pathology: () => concept('111042', 'DCM', 'Pathology'),
  certaintyOfFinding: () => concept('111012', 'DCM', 'Certainty of Finding'),
  probabilityOfCancer: () => concept('111047', 'DCM', 'Probability of cancer'),
  noUnits: () => concept('1', 'UCUM', 'no units'),
  findingsSummary: () => concept('111017', 'DCM', 'CAD Processing and Findings Summary'),
  withFindings: () => concept('111242', 'DCM', 'All algorithms succeeded; with findings'),
  withoutFindings: () => concept('111241', 'DCM', 'All algorithms succeeded; without findings'),
  comment: () => concept('121106', 'DCM', 'Comment'),
  measurementGroup: () => concept('125007', 'DCM', 'Measurement Group'),
  trackingIdentifier: () => concept('112039', 'DCM', 'Tracking Identifier'),
  trackingUid: () => concept('112040', 'DCM', 'Tracking Unique Identifier'),
  deviceObserverName: () => concept('121013', 'DCM', 'Device Observer Name'),
  deviceObserverManufacturer: () => concept('121014', 'DCM', 'Device Observer Manufacturer'),
  deviceObserverModelName: () => concept('121015', 'DCM', 'Device Observer Model Name'),
  deviceObserverSerialNumber: () => concept('121016', 'DCM', 'Device Observer Serial Number'),
  imageLibrary: () => concept('111028', 'DCM', 'Image Library'),
  imageLibraryGroup: () => concept('126200', 'DCM', 'Image Library Group'),
  source: () => concept('260753009', 'SCT', 'Source'),
  modality: () => concept('121139', 'DCM', 'Modality'),
  imageLaterality: () => concept('111027', 'DCM', 'Image Laterality'),
};

// Modalities of the images this package reads, as DCM codes (others are left out of the library entry).
const MODALITY_CODES: Record<string, () => unknown> = {
  MG: () => concept('MG', 'DCM', 'Mammography'),
  DX: () => concept('DX', 'DCM', 'Digital Radiography'),
  CR: () => concept('CR', 'DCM', 'Computed Radiography'),
  OT: () => concept('OT', 'DCM', 'Other'),
};
const LATERALITY_CODES = {
  L: () => concept('7771000', 'SCT', 'Left'),
  R: () => concept('24028007', 'SCT', 'Right'),
};

// Class names of the data sets this package reads, as SNOMED CT codes; others are written as text.
const CLASS_CODES: Record<string, () => unknown> = {
  normal: () => concept('17621005', 'SCT', 'Normal'),
  benign: () => concept('30807003', 'SCT', 'Benign'),
  malignant: () => concept('21594007', 'SCT', 'Malignant'),
};

// Decimal strings (DS) hold at most 16 characters.
function ds(v: number): number {
  return Number(v.toPrecision(6));
}

function classItem(label: string): unknown {
  const coded = CLASS_CODES[label.toLowerCase()];
  if (coded) return new CodeContentItem({ name: CODES.pathology(), value: coded(), relationshipType: RelationshipTypes.CONTAINS });
  return new TextContentItem({ name: CODES.pathology(), value: label, relationshipType: RelationshipTypes.CONTAINS });
}

function algorithmItems(algorithm: AlgorithmIdentity): unknown[] {
  return [...new T.AlgorithmIdentification({ name: algorithm.name, version: algorithm.version })];
}

function numItem(name: unknown, value: number): unknown {
  return new NumContentItem({ name, value: ds(value), unit: CODES.noUnits(), relationshipType: RelationshipTypes.CONTAINS });
}

export interface MeasurementReportOptions {
  seriesInstanceUID?: string;
  sopInstanceUID?: string;
  seriesNumber?: number;
  threshold?: number;          // the detection threshold used (stated when nothing is found)
  malignantClass?: string;     // which class is "malignant" (default: the class named so, else the last)
  now?: Date;
}

function observationContext(algorithm: AlgorithmIdentity): unknown {
  // TID 1002 with a Device observer; dcmjs' attribute template mislabels 121013, so the
  // name / manufacturer / model / serial items are added here with their standard codes.
  const attributes = new T.DeviceObserverIdentifyingAttributes({ uid: newUid() });
  const text = (name: unknown, value: string) => new TextContentItem({ name, value, relationshipType: RelationshipTypes.HAS_OBS_CONTEXT });
  attributes.push(
    text(CODES.deviceObserverName(), algorithm.name),
    text(CODES.deviceObserverManufacturer(), algorithm.manufacturer),
    text(CODES.deviceObserverModelName(), algorithm.name),
    text(CODES.deviceObserverSerialNumber(), algorithm.serialNumber),
  );
  const observer = new T.ObserverContext({ observerType: CODES.device(), observerIdentifyingAttributes: attributes });
  return new T.ObservationContext({ observerPersonContext: observer });
}

function massGroup(source: SourceHeader, det: Prediction['detections'][number], index: number, label: string, algorithm: AlgorithmIdentity): unknown {
  const [x1, y1, x2, y2] = det.box.map(ds);
  const region = new ImageRegion({
    graphicType: 'POLYLINE',
    graphicData: [[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]],
    sourceImage: new SourceImageForRegion({
      referencedSOPClassUID: source.sopClassUID,
      referencedSOPInstanceUID: source.sopInstanceUID,
      ...(source.frames > 1 ? { referencedFrameNumbers: [1] } : {}),
    }),
  });
  const finding = new CodeContentItem({ name: CODES.finding(), value: CODES.mass(), relationshipType: RelationshipTypes.CONTAINS });
  return measurementGroup(`Mass ${index + 1}`, [finding, ...algorithmItems(algorithm), region, numItem(CODES.certaintyOfFinding(), det.score), classItem(label)]);
}

// TID 1600 Image Library: one group holding the source image (TID 1601), with its modality and
// laterality as entry descriptors (TID 1602) where the source states them. dcmjs' template
// writes the library container empty; TID 1500 wants the images the measurements are made on.
function imageLibraryGroup(source: SourceHeader): unknown {
  const image = new ImageContentItem({
    name: CODES.source(),
    referencedSOPClassUID: source.sopClassUID,
    referencedSOPInstanceUID: source.sopInstanceUID,
    ...(source.frames > 1 ? { referencedFrameNumbers: [1] } : {}),
    relationshipType: RelationshipTypes.CONTAINS,
  });
  // dcmjs 0.52 spells this relationship "HAS ACQ CONTENT" (and refuses any other value), so the
  // standard's "HAS ACQ CONTEXT" is set on the item afterwards.
  const descriptor = (name: unknown, value: unknown) => Object.assign(new CodeContentItem({ name, value }), { RelationshipType: 'HAS ACQ CONTEXT' });
  const descriptors: unknown[] = [];
  const modality = MODALITY_CODES[String(source.dataset.Modality ?? '')];
  if (modality) descriptors.push(descriptor(CODES.modality(), modality()));
  if (source.laterality) descriptors.push(descriptor(CODES.imageLaterality(), LATERALITY_CODES[source.laterality]()));
  if (descriptors.length) image.ContentSequence = new ContentSequence(...descriptors);
  const group = new ContainerContentItem({ name: CODES.imageLibraryGroup(), relationshipType: RelationshipTypes.CONTAINS });
  group.ContentSequence = new ContentSequence(image);
  return group;
}

// Fills the (empty) Image Library container of a dcmjs MeasurementReport's root item.
function fillImageLibrary(root: { ContentSequence: { ConceptNameCodeSequence?: { CodeValue?: string }; ContentSequence?: unknown }[] }, source: SourceHeader): void {
  const want = (CODES.imageLibrary() as { CodeValue: string }).CodeValue;
  const library = root.ContentSequence.find((item) => item.ConceptNameCodeSequence?.CodeValue === want);
  if (!library) throw new Error('internal: the measurement report has no Image Library container');
  library.ContentSequence = new ContentSequence(imageLibraryGroup(source));
}

// A Measurement Group container (TID 1410 / TID 1501 shape). dcmjs' group templates cannot be
// used in 0.52: their tracking-identifier check calls Array#filter on a template subclass
// (which re-runs its constructor without options and throws), and `measurements` logs to stdout.
function measurementGroup(trackingId: string, items: unknown[]): unknown {
  const group = new ContainerContentItem({ name: CODES.measurementGroup(), relationshipType: RelationshipTypes.CONTAINS });
  group.ContentSequence = new ContentSequence(
    new TextContentItem({ name: CODES.trackingIdentifier(), value: trackingId, relationshipType: RelationshipTypes.HAS_OBS_CONTEXT }),
    new UIDRefContentItem({ name: CODES.trackingUid(), value: newUid(), relationshipType: RelationshipTypes.HAS_OBS_CONTEXT }),
    ...items,
  );
  return group;
}

function imageGroup(prediction: Prediction, algorithm: AlgorithmIdentity, options: MeasurementReportOptions): unknown {
  const content: unknown[] = [];
  const found = prediction.detections.length > 0;
  const malignant = malignantIndex(prediction.classes, options.malignantClass);
  content.push(...algorithmItems(algorithm));
  if (malignant >= 0) content.push(numItem(CODES.probabilityOfCancer(), prediction.probabilities[malignant]));
  content.push(classItem(prediction.label));
  content.push(new CodeContentItem({ name: CODES.findingsSummary(), value: found ? CODES.withFindings() : CODES.withoutFindings(), relationshipType: RelationshipTypes.CONTAINS }));
  const threshold = options.threshold !== undefined ? ` with a score of at least ${options.threshold}` : '';
  let area = 0;
  for (const v of prediction.mask.data) if (v) area++;
  const detected = found ? `${prediction.detections.length} mass(es) detected${threshold}.` : `No mass detected${threshold}.`;
  content.push(new TextContentItem({
    name: CODES.comment(),
    value: `${detected} Segmentation mask: ${area ? `${area} pixels` : 'empty'}.`,
    relationshipType: RelationshipTypes.CONTAINS,
  }));
  return measurementGroup('Image-level classification', content);
}

export function malignantIndex(classes: string[], name?: string): number {
  if (name !== undefined) return classes.indexOf(name);
  const i = classes.findIndex((c) => c.toLowerCase() === 'malignant');
  return i >= 0 ? i : classes.length >= 2 ? classes.length - 1 : -1;
}

export function buildMeasurementReport(source: SourceHeader, prediction: Prediction, algorithm: AlgorithmIdentity, options: MeasurementReportOptions = {}): Dataset {
  const now = options.now ?? new Date();
  const groups = prediction.detections.map((d, i) => massGroup(source, d, i, prediction.label, algorithm));
  groups.push(imageGroup(prediction, algorithm, options));
  const report = new T.MeasurementReport({
    languageOfContentItemAndDescendants: new T.LanguageOfContentItemAndDescendants({}),
    observationContext: observationContext(algorithm),
    procedureReported: CODES.mammography(),
    imagingMeasurements: groups,
  });
  fillImageLibrary(report[0], source);
  const evidence = { ...source.dataset, SOPClassUID: source.sopClassUID, SOPInstanceUID: source.sopInstanceUID, SeriesInstanceUID: source.seriesInstanceUID, StudyInstanceUID: source.studyInstanceUID };
  const doc = new sr.documents.Comprehensive3DSR({
    content: report[0],
    evidence: [evidence],
    seriesInstanceUID: options.seriesInstanceUID ?? newUid(),
    seriesNumber: options.seriesNumber ?? 9002,
    seriesDescription: `${algorithm.name} findings`,
    sopInstanceUID: options.sopInstanceUID ?? newUid(),
    instanceNumber: 1,
    manufacturer: algorithm.manufacturer,
    isComplete: true,
    isVerified: false,
    isFinal: false,
  });
  // Plain data (the document is a class instance); then our own identity and the copied modules.
  const out: Dataset = JSON.parse(JSON.stringify(doc));
  Object.assign(out, patientStudyAttributes(source), {
    ManufacturerModelName: algorithm.name,
    SoftwareVersions: algorithm.version,
    DeviceSerialNumber: algorithm.serialNumber,
    SeriesDate: dicomDate(now), SeriesTime: dicomTime(now), ContentDate: dicomDate(now), ContentTime: dicomTime(now),
    InstanceCreationDate: dicomDate(now), InstanceCreationTime: dicomTime(now),
    ReferencedPerformedProcedureStepSequence: [],
  });
  return out;
}

export function encodeMeasurementReport(...args: Parameters<typeof buildMeasurementReport>): Uint8Array {
  return encodePart10(buildMeasurementReport(...args));
}

