// The JSON form of a prediction that `ftmtlnet predict --json`, `ftmtlnet serve` and the result
// writers share: classes, probabilities, label, detections (boxes in the input image's pixels)
// and the mask as its size, area and bounding box.
import type { Prediction } from '../model/predict-run';

export interface MaskSummary {
  width: number;
  height: number;
  area: number;
  box: [number, number, number, number] | null;   // [x1, y1, x2, y2], exclusive end
}

export interface PredictionJson {
  classes: string[];
  probabilities: number[];
  label: string;
  detections: { box: number[]; score: number }[];
  mask: MaskSummary;
}

export function summarizeMask(m: Prediction['mask']): MaskSummary {
  let area = 0, x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (let y = 0; y < m.height; y++) for (let x = 0; x < m.width; x++) {
    if (!m.data[y * m.width + x]) continue;
    area++; x1 = Math.min(x1, x); y1 = Math.min(y1, y); x2 = Math.max(x2, x + 1); y2 = Math.max(y2, y + 1);
  }
  return { width: m.width, height: m.height, area, box: area ? [x1, y1, x2, y2] : null };
}

export function predictionJson(pred: Prediction): PredictionJson {
  return { classes: pred.classes, probabilities: pred.probabilities, label: pred.label, detections: pred.detections, mask: summarizeMask(pred.mask) };
}
