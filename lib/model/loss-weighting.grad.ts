// Gradients of the task-loss combinations (lib/model/loss-weighting.ts), registered by op name.
// Host arithmetic on one-element tensors (CPU only, as the forward).
import { Tensor } from '../tensor';
import { registerGradient } from '../gradients';

declare module '../gradients' {
  interface SavedByOp {
    weightedSum: { weights: readonly number[] };
    // The task losses and log-variances the forward read.
    uncertaintyWeightedSum: { terms: readonly Tensor[]; weights: readonly number[]; logVars: Tensor };
  }
}

function scalar(v: number): Tensor {
  return Tensor.from(Float32Array.of(v), [1]);
}

// d total / d terms[i] = weights[i].
registerGradient('weightedSum', (dy: Tensor, { weights }) => weights.map((w) => scalar(dy.data[0] * w)));

// total = sum_i w_i exp(-s_i) L_i + s_i: d/dL_i = w_i exp(-s_i), d/ds_i = 1 - w_i exp(-s_i) L_i.
registerGradient('uncertaintyWeightedSum', (dy: Tensor, { terms, weights, logVars }) => {
  const go = dy.data[0];
  const s = logVars.data;
  const dLog = new Float32Array(terms.length);
  const dTerms = terms.map((t, i) => {
    const f = weights[i] * Math.exp(-s[i]);
    dLog[i] = go * (1 - f * t.data[0]);
    return scalar(go * f);
  });
  return [...dTerms, Tensor.from(dLog, [terms.length])];
});
