// The result writer shared by the CLI, the service and the batch workers: for one prediction on
// one source image, the JSON and (for a DICOM source) the SEG, the SR and optionally a Secondary
// Capture of the overlay, as bytes or as files in a folder.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { packageVersion } from '../package-version';
import type { Prediction } from '../model/predict-run';
import type { GrayImage } from '../data/sample';
import { renderOverlay } from '../report/overlay';
import { loadPredictInput } from '../model/predict-input';
import { readSourceHeader, newUid, derivedUid, type AlgorithmIdentity } from './source-header';
import { encodeSegmentation } from './segmentation';
import { encodeMeasurementReport } from './measurement-report';
import { encodeSecondaryCapture } from './secondary-capture';
import { predictionJson } from './prediction-json';

export interface DicomResultOptions {
  algorithm?: Partial<AlgorithmIdentity>;
  threshold?: number;               // detection threshold used (stated in the SR)
  secondaryCapture?: boolean;       // also write the overlay as a Secondary Capture
  image?: GrayImage;                // the source as a [0, 1] image, for the overlay (decoded when missing)
  now?: Date;
  // Derive the results' series and instance UIDs from this text and the source's SOP Instance
  // UID instead of drawing new ones, so a re-run stores the same objects (an archive then keeps
  // one copy; used by the queue worker and the Orthanc connector).
  uidSeed?: string;
}

export interface DicomResults {
  seg: Uint8Array;
  sr: Uint8Array;
  sc?: Uint8Array;
  uids: { seg: string; sr: string; sc?: string };
}

export function defaultAlgorithm(overrides: Partial<AlgorithmIdentity> = {}): AlgorithmIdentity {
  return { name: 'FTMTLNet', version: packageVersion(), manufacturer: 'ftmtlnet', serialNumber: '1', ...overrides };
}

// SEG + SR (+ SC) of one prediction on one DICOM source (the source's bytes; never altered).
export async function dicomResults(source: Uint8Array, prediction: Prediction, options: DicomResultOptions = {}, name = '<buffer>'): Promise<DicomResults> {
  const header = readSourceHeader(source, name);
  const algorithm = defaultAlgorithm(options.algorithm);
  const now = options.now ?? new Date();
  const uid = (kind: string) => options.uidSeed !== undefined ? derivedUid(options.uidSeed, header.sopInstanceUID, kind) : newUid();
  const uids = { seg: uid('seg'), sr: uid('sr'), sc: options.secondaryCapture ? uid('sc') : undefined };
  const seg = encodeSegmentation(header, prediction.mask, algorithm, { sopInstanceUID: uids.seg, seriesInstanceUID: uid('seg-series'), now });
  const sr = encodeMeasurementReport(header, prediction, algorithm, { sopInstanceUID: uids.sr, seriesInstanceUID: uid('sr-series'), threshold: options.threshold, now });
  let sc: Uint8Array | undefined;
  if (options.secondaryCapture) {
    const image = options.image ?? (await loadPredictInput(source)).image;
    const png = await renderOverlay(image, prediction, options.threshold !== undefined ? { scoreThreshold: options.threshold } : {});
    sc = await encodeSecondaryCapture(header, png, algorithm, { sopInstanceUID: uids.sc, seriesInstanceUID: uid('sc-series'), now });
  }
  return { seg, sr, sc, uids };
}

export interface WrittenResults {
  json?: string;
  seg?: string;
  sr?: string;
  sc?: string;
}

export interface WriteResultsOptions extends DicomResultOptions {
  json?: boolean;                   // write <name>.json (default true)
  dicom?: boolean;                  // write SEG + SR when the source is DICOM (default true)
}

// The name results of `sourceFile` get: its file name without the image extension.
export function resultStem(sourceFile: string): string {
  return path.basename(sourceFile).replace(/\.(dcm|dicom|png|pgm|jpe?g|tiff?)$/i, '');
}

function isPart10(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

// Writes DIR/<source name without extension>.json, .seg.dcm, .sr.dcm (and .sc.dcm); each file is
// written to a temporary name and renamed, so a reader never sees half a file.
export async function writeResults(dir: string, sourceFile: string, prediction: Prediction, options: WriteResultsOptions = {}, sourceBytes?: Uint8Array): Promise<WrittenResults> {
  await fsp.mkdir(dir, { recursive: true });
  const stem = resultStem(sourceFile);
  const out: WrittenResults = {};
  const put = async (key: keyof WrittenResults, suffix: string, data: Uint8Array | string) => {
    const file = path.join(dir, `${stem}${suffix}`);
    const tmp = `${file}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, data);
    await fsp.rename(tmp, file);
    out[key] = file;
  };
  if (options.json !== false) await put('json', '.json', JSON.stringify(predictionJson(prediction), null, 2) + '\n');
  if (options.dicom !== false) {
    const bytes = sourceBytes ?? new Uint8Array(await fsp.readFile(sourceFile));
    if (isPart10(bytes)) {
      const r = await dicomResults(bytes, prediction, options, sourceFile);
      await put('seg', '.seg.dcm', r.seg);
      await put('sr', '.sr.dcm', r.sr);
      if (r.sc) await put('sc', '.sc.dcm', r.sc);
    }
  }
  return out;
}

