// Inputs for the service load test: synthetic phantom mammograms written as MG DICOM files
// (16-bit MONOCHROME2, 12 bits stored, full study/series/instance identifiers).
import { generatePhantom } from '../lib/data/phantom';
import { encodePart10 } from '../lib/results/dcmjs';
import { newUid } from '../lib/results/source-header';

export function phantomDicom(index: number, size: number): Uint8Array {
  const s = generatePhantom(index, { size, seed: 7 });
  const n = size * size;
  const px = new Uint16Array(n);
  for (let i = 0; i < n; i++) px[i] = Math.round(Math.min(1, Math.max(0, s.image.data[i])) * 4095);
  return encodePart10({
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.1.2', SOPInstanceUID: newUid(), StudyInstanceUID: newUid(), SeriesInstanceUID: newUid(),
    Modality: 'MG', PatientID: `BENCH${index}`, PatientName: 'Bench^Phantom', ImageLaterality: index % 2 ? 'L' : 'R',
    Rows: size, Columns: size, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 16, BitsStored: 12, HighBit: 11, PixelRepresentation: 0,
    PixelData: px.buffer, _vrMap: { PixelData: 'OW' },
  });
}
