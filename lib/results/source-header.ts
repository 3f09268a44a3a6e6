// The source image's header, read once for the result writers: the identifiers every result
// references, and the Patient and Study module attributes every result copies. The source
// bytes are only read, never altered.
import { createHash, randomUUID } from 'node:crypto';
import { DataFormatError } from '../data/errors';
import { DicomMessage, DicomMetaDictionary, type Dataset } from './dcmjs';

export interface SourceHeader {
  name: string;                // how errors name the source
  dataset: Dataset;            // naturalized header, without pixel data
  sopClassUID: string;
  sopInstanceUID: string;
  studyInstanceUID: string;
  seriesInstanceUID: string;
  rows: number;
  columns: number;
  frames: number;
  laterality: 'L' | 'R' | null;
}

// Patient, Clinical Trial Subject, General Study, Patient Study and Clinical Trial Study
// modules (PS3.3 C.7.1.1, C.7.1.3, C.7.2.1, C.7.2.2, C.7.2.3): copied as they are.
const COPIED = [
  'PatientName', 'PatientID', 'IssuerOfPatientID', 'IssuerOfPatientIDQualifiersSequence', 'PatientBirthDate',
  'PatientBirthTime', 'PatientSex', 'OtherPatientIDsSequence', 'OtherPatientNames', 'EthnicGroup', 'PatientComments',
  'PatientIdentityRemoved', 'DeidentificationMethod', 'DeidentificationMethodCodeSequence', 'QualityControlSubject',
  'ClinicalTrialSponsorName', 'ClinicalTrialProtocolID', 'ClinicalTrialProtocolName', 'ClinicalTrialSiteID',
  'ClinicalTrialSiteName', 'ClinicalTrialSubjectID', 'ClinicalTrialSubjectReadingID',
  'StudyInstanceUID', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber',
  'IssuerOfAccessionNumberSequence', 'StudyDescription', 'ProcedureCodeSequence', 'ReferencedStudySequence',
  'PhysiciansOfRecord', 'NameOfPhysiciansReadingStudy', 'RequestingService',
  'AdmittingDiagnosesDescription', 'PatientAge', 'PatientSize', 'PatientWeight', 'Occupation', 'AdditionalPatientHistory',
  'ClinicalTrialTimePointID', 'ClinicalTrialTimePointDescription',
];
// Type 2 attributes of those modules: present in every result, empty when the source lacks them.
const TYPE2 = ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber'];

function str(v: unknown): string {
  if (Array.isArray(v)) v = v[0];
  return v === undefined || v === null ? '' : String(v).replace(/\0/g, '').trim();
}

export function readSourceHeader(bytes: Uint8Array, name = '<buffer>'): SourceHeader {
  const hasPreamble = bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
  if (!hasPreamble) throw new DataFormatError(name, 'DICOM results need a DICOM Part 10 source (with the "DICM" preamble)');
  let dataset: Dataset;
  try {
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const file = DicomMessage.readFile(ab, { untilTag: '7FE00010', includeUntilTagValue: false, stopOnGreaterTag: true });
    dataset = DicomMetaDictionary.naturalizeDataset(file.dict);
  } catch (e) {
    throw new DataFormatError(name, `cannot read the DICOM header for the results: ${(e as Error).message}`);
  }
  delete dataset.PixelData;
  const need = (key: string): string => {
    const v = str(dataset[key]);
    if (!v) throw new DataFormatError(name, `has no ${key}; DICOM results must reference the source by it`);
    return v;
  };
  const lat = str(dataset.ImageLaterality || dataset.Laterality).toUpperCase();
  return {
    name,
    dataset,
    sopClassUID: need('SOPClassUID'),
    sopInstanceUID: need('SOPInstanceUID'),
    studyInstanceUID: need('StudyInstanceUID'),
    seriesInstanceUID: need('SeriesInstanceUID'),
    rows: Number(need('Rows')),
    columns: Number(need('Columns')),
    frames: Math.max(1, Number(str(dataset.NumberOfFrames)) || 1),
    laterality: lat === 'L' || lat === 'R' ? lat : null,
  };
}

// The Patient and Study attributes of a result (new objects, so the source keeps its own).
export function patientStudyAttributes(source: SourceHeader): Dataset {
  const out: Dataset = {};
  if (source.dataset.SpecificCharacterSet !== undefined) out.SpecificCharacterSet = source.dataset.SpecificCharacterSet;
  for (const key of TYPE2) out[key] = '';
  for (const key of COPIED) if (source.dataset[key] !== undefined) out[key] = JSON.parse(JSON.stringify(source.dataset[key]));
  return out;
}

// A new UID under the 2.25 root (ISO/IEC 9834-8: the decimal form of a random UUID).
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

// A UID under the 2.25 root derived from the given parts (the first 128 bits of their SHA-256):
// the same parts always give the same UID.
export function derivedUid(...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
  return `2.25.${BigInt(`0x${digest}`).toString()}`;
}

export function dicomDate(d: Date): string {
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

export function dicomTime(d: Date): string {
  return `${String(d.getUTCHours()).padStart(2, '0')}${String(d.getUTCMinutes()).padStart(2, '0')}${String(d.getUTCSeconds()).padStart(2, '0')}`;
}

// PatientOrientation (row direction \ column direction) of a projection image: the source's
// own, or the conventional one for a mammogram of known laterality and view (PS3.3 C.8.11.1.1.1,
// chest wall on the left of the image for a left breast); empty (Type 2) when unknown.
export function patientOrientation(source: SourceHeader): string[] | '' {
  const own = source.dataset.PatientOrientation;
  if (Array.isArray(own) && own.length === 2 && own.every((v) => str(v))) return own.map(str);
  if (typeof own === 'string' && own.includes('\\')) return own.split('\\');
  const view = str(source.dataset.ViewPosition).toUpperCase();
  if (!source.laterality) return '';
  const left = source.laterality === 'L';
  if (view === 'CC' || view === 'XCCL' || view === 'XCCM') return left ? ['A', 'R'] : ['P', 'L'];
  if (view === 'MLO' || view === 'ML' || view === 'LM' || view === 'LMO') return left ? ['A', 'FR'] : ['P', 'FL'];
  return '';
}

// Equipment and algorithm identity written into every result.
export interface AlgorithmIdentity {
  name: string;       // e.g. 'FTMTLNet'
  version: string;    // package version (and the checkpoint, when known)
  manufacturer: string;
  serialNumber: string;
}
