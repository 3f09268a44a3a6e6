// Test-only float64 references for conv2d (forward and the three gradients) and linear,
// written as plain loops straight from the definition.
export interface ConvRefShape {
  n: number; c: number; h: number; w: number;
  k: number; r: number; s: number;
  sh: number; sw: number; ph: number; pw: number;
}

export function convOut(g: ConvRefShape): [number, number] {
  return [Math.floor((g.h + 2 * g.ph - g.r) / g.sh) + 1, Math.floor((g.w + 2 * g.pw - g.s) / g.sw) + 1];
}

// Calls fn(yIndex, xIndex, wIndex) for every (output, input, weight) triple that meets.
function forEachTap(g: ConvRefShape, fn: (yi: number, xi: number, wi: number, k: number) => void): void {
  const [P, Q] = convOut(g);
  for (let n = 0; n < g.n; n++)
    for (let k = 0; k < g.k; k++)
      for (let p = 0; p < P; p++)
        for (let q = 0; q < Q; q++) {
          const yi = ((n * g.k + k) * P + p) * Q + q;
          for (let c = 0; c < g.c; c++)
            for (let r = 0; r < g.r; r++) {
              const ih = p * g.sh - g.ph + r;
              if (ih < 0 || ih >= g.h) continue;
              for (let s = 0; s < g.s; s++) {
                const iw = q * g.sw - g.pw + s;
                if (iw < 0 || iw >= g.w) continue;
                fn(yi, ((n * g.c + c) * g.h + ih) * g.w + iw, ((k * g.c + c) * g.r + r) * g.s + s, k);
              }
            }
        }
}

export function convForwardRef(g: ConvRefShape, x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null): Float64Array {
  const [P, Q] = convOut(g);
  const y = new Float64Array(g.n * g.k * P * Q);
  if (b) for (let i = 0; i < y.length; i++) y[i] = b[Math.floor(i / (P * Q)) % g.k];
  forEachTap(g, (yi, xi, wi) => (y[yi] += x[xi] * w[wi]));
  return y;
}

// Exact gradients of sum(y * dy).
export function convBackwardRef(g: ConvRefShape, x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>):
  { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = new Float64Array(g.n * g.c * g.h * g.w);
  const dw = new Float64Array(g.k * g.c * g.r * g.s);
  const db = new Float64Array(g.k);
  const [P, Q] = convOut(g);
  for (let i = 0; i < dy.length; i++) db[Math.floor(i / (P * Q)) % g.k] += dy[i];
  forEachTap(g, (yi, xi, wi) => {
    dx[xi] += dy[yi] * w[wi];
    dw[wi] += dy[yi] * x[xi];
  });
  return { dx, dw, db };
}

// y = x w^T + b; x: (n, inF), w: (outF, inF).
export function linearRef(n: number, inF: number, outF: number, x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null): Float64Array {
  const y = new Float64Array(n * outF);
  for (let i = 0; i < n; i++)
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let j = 0; j < inF; j++) s += x[i * inF + j] * w[o * inF + j];
      y[i * outF + o] = s;
    }
  return y;
}
