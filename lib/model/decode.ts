// Decoding the raw head tensors into predictions in the model's input frame (S x S pixels):
// heatmap peaks (3x3 max-pool NMS), top-k, score threshold -> boxes; mask = sigmoid > 0.5;
// probabilities = softmax(class_logits), or softmax(class_logits + log(classPrior)) for a model
// trained on class-balanced draws (see FTMTLNetConfig.classPrior).
import type { Tensor } from '../tensor';
import type { FTMTLNetOutputs } from './ftmtlnet';

export interface Detection {
  box: [number, number, number, number];   // x1, y1, x2, y2 in pixels
  score: number;
}

export interface DecodeOptions {
  stride: number;          // the head stride (model.config.headStride)
  topK?: number;           // 20 by default
  threshold?: number;      // minimum score, 0.3 by default
  classPrior?: number[] | null;  // the config's classPrior: added to the logits as log(prior)
}

export interface ImagePrediction {
  probabilities: number[];
  classIndex: number;
  detections: Detection[];
  mask: { width: number; height: number; data: Uint8Array };
}

export function softmaxRows(logits: Tensor, classPrior?: number[] | null): number[][] {
  const [n, k] = logits.shape;
  if (classPrior && classPrior.length !== k) throw new RangeError(`Expected ${k} class prior shares but received ${classPrior.length}`);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const z = Array.from(logits.data.subarray(i * k, (i + 1) * k), (v, c) => (classPrior ? v + Math.log(classPrior[c]) : v));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    rows.push(e.map((v) => v / s));
  }
  return rows;
}

// Boxes of image n from heatmap logits (N,1,h,w), size and offset (N,2,h,w), in input pixels.
export function decodeDetections(heatmap: Tensor, size: Tensor, offset: Tensor, n: number, options: DecodeOptions): Detection[] {
  const [, , h, w] = heatmap.shape;
  const topK = options.topK ?? 20;
  const threshold = options.threshold ?? 0.3;
  const stride = options.stride;
  const hm = heatmap.data.subarray(n * h * w, (n + 1) * h * w);
  const peaks: { i: number; logit: number }[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = hm[y * w + x];
      let isMax = true;
      for (let dy = -1; dy <= 1 && isMax; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy, xx = x + dx;
          if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          if (hm[yy * w + xx] > v) { isMax = false; break; }
        }
      }
      if (isMax) peaks.push({ i: y * w + x, logit: v });
    }
  }
  peaks.sort((a, b) => b.logit - a.logit);
  const plane = h * w;
  const out: Detection[] = [];
  for (const { i, logit } of peaks.slice(0, topK)) {
    const score = 1 / (1 + Math.exp(-logit));
    if (score < threshold) break;
    const x = i % w, y = Math.floor(i / w);
    const cx = (x + offset.data[(n * 2) * plane + i]) * stride;
    const cy = (y + offset.data[(n * 2 + 1) * plane + i]) * stride;
    const bw = Math.max(0, size.data[(n * 2) * plane + i]) * stride;
    const bh = Math.max(0, size.data[(n * 2 + 1) * plane + i]) * stride;
    const W = w * stride, H = h * stride;
    out.push({
      box: [clamp(cx - bw / 2, 0, W), clamp(cy - bh / 2, 0, H), clamp(cx + bw / 2, 0, W), clamp(cy + bh / 2, 0, H)],
      score,
    });
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

// mask logits (N,1,H,W) -> image n's 0/1 mask (sigmoid(x) > 0.5 <=> x > 0).
export function decodeMask(maskLogits: Tensor, n: number): { width: number; height: number; data: Uint8Array } {
  const [, , H, W] = maskLogits.shape;
  const src = maskLogits.data.subarray(n * H * W, (n + 1) * H * W);
  const data = new Uint8Array(H * W);
  for (let i = 0; i < data.length; i++) data[i] = src[i] > 0 ? 1 : 0;
  return { width: W, height: H, data };
}

export function decodeOutputs(out: FTMTLNetOutputs, options: DecodeOptions): ImagePrediction[] {
  const probs = softmaxRows(out.class_logits, options.classPrior);
  return probs.map((p, n) => ({
    probabilities: p,
    classIndex: p.indexOf(Math.max(...p)),
    detections: decodeDetections(out.heatmap, out.size, out.offset, n, options),
    mask: decodeMask(out.mask_logits, n),
  }));
}
