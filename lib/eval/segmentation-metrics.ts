// Segmentation overlap of binary masks (any non-zero value is foreground).

export interface Overlap {
  dice: number;   // 2|A and B| / (|A| + |B|); 1 when both are empty
  iou: number;    // |A and B| / |A or B|;     1 when both are empty
}

export function maskOverlap(predicted: ArrayLike<number>, truth: ArrayLike<number>): Overlap {
  if (predicted.length !== truth.length) {
    throw new RangeError(`Expected a mask of ${truth.length} pixels for predicted but received ${predicted.length}`);
  }
  let inter = 0, a = 0, b = 0;
  for (let i = 0; i < truth.length; i++) {
    const p = predicted[i] !== 0;
    const t = truth[i] !== 0;
    if (p) a++;
    if (t) b++;
    if (p && t) inter++;
  }
  if (a + b === 0) return { dice: 1, iou: 1 };
  return { dice: (2 * inter) / (a + b), iou: inter / (a + b - inter) };
}
