// Detection metrics: FROC (centre-in-box hits, one hit per lesion) and AP at IoU 0.5
// (VOC all-point interpolation), pooled over all images.
import type { Box } from '../data/sample';

// The false positives per image at which FROC sensitivity is reported.
export const FROC_RATES = ['0.5', '1', '2', '4'] as const;

export interface ScoredBox {
  box: Box | readonly number[];   // [x1, y1, x2, y2] pixels
  score: number;
}

export interface DetectionImage {
  detections: ScoredBox[];
  truth: Box[];   // ground-truth lesion boxes of the image
}

interface Pooled {
  image: number;
  det: ScoredBox;
}

// All detections, highest score first; equal scores keep image order, then list order.
function pooled(images: DetectionImage[]): Pooled[] {
  const all: Pooled[] = [];
  images.forEach((im, image) => im.detections.forEach((det) => all.push({ image, det })));
  return all.sort((a, b) => b.det.score - a.det.score);   // Array.prototype.sort is stable
}

export interface FrocPoint {
  threshold: number;     // detections with score >= threshold are kept
  fpPerImage: number;
  sensitivity: number;   // fraction of lesions hit
}

// FROC rules: a detection HITS a lesion when its box centre lies inside the lesion's box
// (edges included). Each lesion counts once: the first (highest-scoring) detection that hits it
// is a true positive; a later detection whose centre falls only in already-hit lesions is a
// duplicate and counts as neither TP nor FP. A detection whose centre is in no lesion box is
// a false positive. When a centre lies in several boxes, it takes the unhit lesion with the
// nearest centre. The curve has one point per distinct score, starting at (0, 0).
export function frocCurve(images: DetectionImage[]): { points: FrocPoint[]; lesions: number } {
  const lesions = images.reduce((s, im) => s + im.truth.length, 0);
  const hit = images.map((im) => new Uint8Array(im.truth.length));
  const numImages = images.length;
  const points: FrocPoint[] = [{ threshold: Infinity, fpPerImage: 0, sensitivity: 0 }];
  const all = pooled(images);
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < all.length; ) {
    const score = all[i].det.score;
    for (; i < all.length && all[i].det.score === score; i++) {
      const { image, det } = all[i];
      const cx = (det.box[0] + det.box[2]) / 2;
      const cy = (det.box[1] + det.box[3]) / 2;
      const truth = images[image].truth;
      let inside = false;
      let best = -1;
      let bestDistance = Infinity;
      for (let g = 0; g < truth.length; g++) {
        const b = truth[g];
        if (cx < b[0] || cx > b[2] || cy < b[1] || cy > b[3]) continue;
        inside = true;
        if (hit[image][g]) continue;
        const d = ((b[0] + b[2]) / 2 - cx) ** 2 + ((b[1] + b[3]) / 2 - cy) ** 2;
        if (d < bestDistance) {
          bestDistance = d;
          best = g;
        }
      }
      if (!inside) fp++;
      else if (best >= 0) {
        hit[image][best] = 1;
        tp++;
      }
    }
    points.push({ threshold: score, fpPerImage: numImages ? fp / numImages : NaN, sensitivity: lesions ? tp / lesions : NaN });
  }
  return { points, lesions };
}

// Sensitivity at a false-positive rate: the best sensitivity of any operating point whose
// FP/image is <= the rate (if no threshold reaches the rate, the lowest threshold's value).
// NaN when there are no lesions.
export function frocSensitivityAt(points: FrocPoint[], lesions: number, fpPerImage: number): number {
  if (lesions === 0) return NaN;
  let best = 0;
  for (const p of points) if (p.fpPerImage <= fpPerImage && p.sensitivity > best) best = p.sensitivity;
  return best;
}

export function boxIou(a: Box | readonly number[], b: Box | readonly number[]): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

// Average precision at an IoU threshold, PASCAL VOC 2010+ style: detections in score order
// are matched to the ground-truth box of highest IoU in their image; IoU >= threshold and that
// box still unmatched -> TP, otherwise FP. AP = area under the precision envelope (all-point
// interpolation). NaN when there are no ground-truth boxes; 0 when nothing matches.
export function averagePrecision(images: DetectionImage[], iouThreshold = 0.5): number {
  const total = images.reduce((s, im) => s + im.truth.length, 0);
  if (total === 0) return NaN;
  const matched = images.map((im) => new Uint8Array(im.truth.length));
  const recall: number[] = [];
  const precision: number[] = [];
  let tp = 0;
  let fp = 0;
  for (const { image, det } of pooled(images)) {
    const truth = images[image].truth;
    let best = -1;
    let bestIou = 0;
    for (let g = 0; g < truth.length; g++) {
      const iou = boxIou(det.box, truth[g]);
      if (iou > bestIou) {
        bestIou = iou;
        best = g;
      }
    }
    if (best >= 0 && bestIou >= iouThreshold && !matched[image][best]) {
      matched[image][best] = 1;
      tp++;
    } else fp++;
    recall.push(tp / total);
    precision.push(tp / (tp + fp));
  }
  const mrec = [0, ...recall, 1];
  const mpre = [0, ...precision, 0];
  for (let i = mpre.length - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i], mpre[i + 1]);
  let ap = 0;
  for (let i = 1; i < mrec.length; i++) if (mrec[i] !== mrec[i - 1]) ap += (mrec[i] - mrec[i - 1]) * mpre[i];
  return ap;
}
