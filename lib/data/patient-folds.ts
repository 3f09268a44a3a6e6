// Patient-level splits: every image of one woman goes to the same side of every split.
// Readers that know the patient put it in meta.patientId: CBIS-DDSM from the CSV's patient_id,
// INbreast from the hash in the DICOM file name (else the DICOM Patient ID), the folder format from
// an image's "patient" field (else a DICOM image's Patient ID). mini-MIAS has none but numbers the
// two breasts of a woman consecutively (mdb001/mdb002, mdb003/mdb004, ...). Any other sample is
// its own patient.
import type { Sample } from './sample';
import { Rng, deriveSeed } from '../random';

const LABEL_RANK: Record<string, number> = { malignant: 2, benign: 1 };

// malignant 2, benign 1, anything else 0: a patient's stratum is its worst image's label.
export function labelRank(label: string): number {
  return LABEL_RANK[label] ?? 0;
}

// The patient an image belongs to.
export function patientKey(s: Sample): string {
  const given = s.meta.patientId;
  if (typeof given === 'string' && given) return `patient:${given}`;
  const source = s.meta.source;
  const m = /^mdb(\d+)/i.exec(s.id);
  if (m && (source === 'mias' || source === 'mias-original')) return `mias-pair:${Math.ceil(Number(m[1]) / 2)}`;
  return `image:${s.id}`;
}

// k folds of whole patients, stratified by each patient's worst label (malignant > benign >
// anything else): patients of each stratum are shuffled (seeded) and dealt round-robin, the
// next stratum starting where the last one stopped, so fold sizes differ by at most one patient
// per stratum. Returns the fold of each sample, in the samples' order.
export function patientFolds(samples: readonly Sample[], k: number, seed = 0): number[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`Expected an integer >= 2 for folds but received ${k}`);
  const patients = new Map<string, { rank: number; members: number[] }>();
  samples.forEach((s, i) => {
    const key = patientKey(s);
    const p = patients.get(key) ?? { rank: 0, members: [] };
    p.rank = Math.max(p.rank, labelRank(s.label));
    p.members.push(i);
    patients.set(key, p);
  });
  if (patients.size < k) throw new RangeError(`Expected at least ${k} patients for ${k} folds but received ${patients.size}`);
  const fold = new Array<number>(samples.length).fill(-1);
  const keys = [...patients.keys()].sort();
  let next = 0;
  for (const rank of [2, 1, 0]) {
    const stratum = keys.filter((key) => patients.get(key)!.rank === rank);
    const order = new Rng(deriveSeed(seed, 0xf01d, rank)).permutation(stratum.length);
    for (const j of order) {
      for (const i of patients.get(stratum[j])!.members) fold[i] = next % k;
      next++;
    }
  }
  return fold;
}
