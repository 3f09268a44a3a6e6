// The bilateral comparison a reader makes: each breast against the woman's other breast. The
// bilateral score of an image is its malignant probability minus that of the same view of the
// other breast, so what both breasts share (density, film, exposure) cancels and what one breast
// has alone (a mass, an asymmetry, a cluster) stands out. The bilateral AUC ranks the images that
// have a partner by that score. It uses no label and no other image than the partner.
//
// Partners: images of one patient (patient-folds.ts: the readers' patient id, or mini-MIAS's
// consecutive pairs). With laterality on both images, the partner is the unique image of the
// other side and the same view (when both views are known); without laterality, a patient with
// exactly two images pairs them. Anything else (one image, several studies of a side) has none.
import type { Sample } from '../data/sample';
import { patientKey } from '../data/patient-folds';
import { rocAuc } from './classification-metrics';

// The index of each sample's contralateral partner in `samples`, or null.
export function contralateralPartners(samples: readonly Sample[]): (number | null)[] {
  const groups = new Map<string, number[]>();
  samples.forEach((s, i) => {
    const key = patientKey(s);
    if (key.startsWith('image:')) return;
    const g = groups.get(key) ?? [];
    g.push(i);
    groups.set(key, g);
  });
  const partner = new Array<number | null>(samples.length).fill(null);
  for (const members of groups.values()) {
    for (const i of members) {
      const a = samples[i].meta;
      const candidates = members.filter((j) => {
        if (j === i) return false;
        const b = samples[j].meta;
        if (!a.laterality || !b.laterality) return members.length === 2;
        if (a.laterality === b.laterality) return false;
        return !a.view || !b.view || a.view === b.view;
      });
      if (candidates.length === 1) partner[i] = candidates[0];
    }
  }
  return partner;
}

// The bilateral AUC of positive-class scores: over the images with a partner, ranked by
// score - partner's score. NaN without such images or without both outcomes among them.
export function bilateralAuc(scores: readonly number[], partnerScores: readonly (number | null)[], positive: readonly boolean[]): { auc: number; images: number } {
  const s: number[] = [];
  const y: boolean[] = [];
  scores.forEach((v, i) => {
    const p = partnerScores[i];
    if (p === null || p === undefined) return;
    s.push(v - p);
    y.push(positive[i]);
  });
  return { auc: s.length ? rocAuc(s, y) : NaN, images: s.length };
}
