// Independent checks of written DICOM objects: dicom3tools' dciodvfy (IOD conformance) and
// pydicom (Debian's python3-pydicom) reading the files back. Each reports whether it is installed.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

export const DCIODVFY = ['/usr/bin/dciodvfy', '/usr/local/bin/dciodvfy'].find((f) => fs.existsSync(f)) ?? null;
const PYTHON = '/usr/bin/python3';

export function hasPydicom(): boolean {
  if (!fs.existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import pydicom'], { encoding: 'utf8' }).status === 0;
}

// dciodvfy's full report and its "Error" lines (it writes to stderr and exits 0 either way).
export function dciodvfy(file: string): { report: string; errors: string[] } {
  if (!DCIODVFY) throw new Error('dciodvfy is not installed (Debian package dicom3tools)');
  const r = spawnSync(DCIODVFY, [file], { encoding: 'utf8' });
  const report = `${r.stdout}${r.stderr}`.trim();
  return { report, errors: report.split('\n').filter((l) => /^\s*Error/.test(l)) };
}

const READER = `
import json, sys, pydicom
out = {}
def tree(items, depth=0):
    rows = []
    for it in items:
        name = it.ConceptNameCodeSequence[0].CodeMeaning if 'ConceptNameCodeSequence' in it else ''
        vt = it.ValueType
        if vt == 'CODE': val = it.ConceptCodeSequence[0].CodeMeaning
        elif vt == 'NUM': val = float(it.MeasuredValueSequence[0].NumericValue)
        elif vt == 'TEXT': val = it.TextValue
        elif vt == 'SCOORD': val = [it.GraphicType] + [float(v) for v in it.GraphicData]
        elif vt == 'IMAGE': val = it.ReferencedSOPSequence[0].ReferencedSOPInstanceUID
        elif vt == 'UIDREF': val = it.UID
        else: val = None
        rows.append({'depth': depth, 'type': vt, 'name': name, 'value': val})
        if 'ContentSequence' in it: rows += tree(it.ContentSequence, depth + 1)
    return rows
for f in sys.argv[1:]:
    d = pydicom.dcmread(f)
    r = {k: str(d.get(k, '')) for k in ['Modality', 'SOPClassUID', 'SOPInstanceUID', 'StudyInstanceUID', 'SeriesInstanceUID', 'PatientName', 'PatientID', 'AccessionNumber', 'PatientOrientation']}
    if d.Modality == 'SEG':
        a = d.pixel_array
        r['shape'] = list(a.shape)
        r['pixels'] = ''.join('1' if v else '0' for v in a.reshape(-1).tolist())
        r['source'] = str(d.PerFrameFunctionalGroupsSequence[0].DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID)
        r['segments'] = [str(s.SegmentLabel) for s in d.SegmentSequence]
    elif d.Modality == 'SR':
        r['tree'] = tree([d])
        r['evidence'] = str(d.PertinentOtherEvidenceSequence[0].ReferencedSeriesSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID)
    else:
        r['shape'] = list(d.pixel_array.shape)
        r['source'] = str(d.SourceImageSequence[0].ReferencedSOPInstanceUID)
    out[f] = r
print(json.dumps(out))
`;

export interface ReadBack {
  Modality: string; SOPClassUID: string; SOPInstanceUID: string; StudyInstanceUID: string; SeriesInstanceUID: string;
  PatientName: string; PatientID: string; AccessionNumber: string; PatientOrientation: string;
  shape?: number[]; pixels?: string; source?: string; segments?: string[]; evidence?: string;
  tree?: { depth: number; type: string; name: string; value: unknown }[];
}

export function readBackWithPydicom(files: string[]): Record<string, ReadBack> {
  const r = spawnSync(PYTHON, ['-c', READER, ...files], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`pydicom could not read the files back: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
