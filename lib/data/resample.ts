// Resizing single-channel float images: area averaging when shrinking, bilinear when enlarging,
// done separably (rows, then columns). Pixel centres sit at (i + 0.5) / scale.

interface Taps { start: Int32Array; count: Int32Array; weights: Float32Array; width: number }

function taps(src: number, dst: number): Taps {
  const scale = dst / src;
  const start = new Int32Array(dst);
  const count = new Int32Array(dst);
  const maxTaps = scale < 1 ? Math.ceil(1 / scale) + 2 : 2;
  const weights = new Float32Array(dst * maxTaps);
  for (let i = 0; i < dst; i++) {
    if (scale < 1) {
      // The output pixel covers source interval [a, b): average with overlap weights.
      const a = i / scale, b = (i + 1) / scale;
      const s0 = Math.floor(a), s1 = Math.min(src - 1, Math.ceil(b) - 1);
      start[i] = s0; count[i] = s1 - s0 + 1;
      let sum = 0;
      for (let s = s0; s <= s1; s++) {
        const w = Math.min(b, s + 1) - Math.max(a, s);
        weights[i * maxTaps + s - s0] = w; sum += w;
      }
      for (let k = 0; k < count[i]; k++) weights[i * maxTaps + k] /= sum;
    } else {
      const c = (i + 0.5) / scale - 0.5;
      const s0 = Math.max(0, Math.min(src - 1, Math.floor(c)));
      const s1 = Math.min(src - 1, s0 + 1);
      const f = Math.max(0, Math.min(1, c - s0));
      start[i] = s0; count[i] = s1 > s0 ? 2 : 1;
      weights[i * maxTaps] = s1 > s0 ? 1 - f : 1;
      if (s1 > s0) weights[i * maxTaps + 1] = f;
    }
  }
  return { start, count, weights, width: maxTaps };
}

// src: (h, w) -> (nh, nw)
export function resizeGray(src: Float32Array, w: number, h: number, nw: number, nh: number): Float32Array {
  if (nw === w && nh === h) return src.slice();
  const tx = taps(w, nw), ty = taps(h, nh);
  const mid = new Float32Array(nw * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < nw; x++) {
      let acc = 0;
      const s0 = tx.start[x], base = x * tx.width;
      for (let k = 0; k < tx.count[x]; k++) acc += src[row + s0 + k] * tx.weights[base + k];
      mid[y * nw + x] = acc;
    }
  }
  const out = new Float32Array(nw * nh);
  for (let y = 0; y < nh; y++) {
    const s0 = ty.start[y], base = y * ty.width;
    for (let k = 0; k < ty.count[y]; k++) {
      const wgt = ty.weights[base + k], row = (s0 + k) * nw;
      for (let x = 0; x < nw; x++) out[y * nw + x] += mid[row + x] * wgt;
    }
  }
  return out;
}

// Binary mask resize: area fraction >= 0.5 when shrinking, nearest centre when enlarging.
export function resizeMask(mask: Uint8Array, w: number, h: number, nw: number, nh: number): Uint8Array {
  const f = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) f[i] = mask[i];
  const r = resizeGray(f, w, h, nw, nh);
  const out = new Uint8Array(nw * nh);
  for (let i = 0; i < out.length; i++) out[i] = r[i] >= 0.5 ? 1 : 0;
  return out;
}
