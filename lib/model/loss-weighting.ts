// Combining the per-task scalar losses into the total, as tape nodes: fixed weights, or
// learned uncertainty weighting (Kendall, Gal, Cipolla 2018): sum_i w_i exp(-s_i) L_i + s_i,
// with s_i = log sigma_i^2 a learned parameter per task.
import { Tensor } from '../tensor';
import { record } from '../autograd';
import { add, scale } from '../ops/arith';
import './loss-weighting.grad';

function scalar(v: number): Tensor {
  return Tensor.from(Float32Array.of(v), [1]);
}

// sum_i weights[i] * terms[i]; terms are one-element tensors.
export function weightedSum(terms: readonly Tensor[], weights: readonly number[]): Tensor {
  if (terms[0]?.device === 'cuda') {
    // On the device with the ops (no host round trip): sum_i scale(terms[i], weights[i]).
    return terms.map((t, i) => scale(t, weights[i])).reduce((acc, t) => add(acc, t));
  }
  let total = 0;
  terms.forEach((t, i) => (total += weights[i] * t.data[0]));
  return record(scalar(total), 'weightedSum', terms, { weights });
}

// sum_i weights[i] * exp(-logVars[i]) * terms[i] + logVars[i]; logVars: (T) parameter.
export function uncertaintyWeightedSum(terms: readonly Tensor[], weights: readonly number[], logVars: Tensor): Tensor {
  if (logVars.numel !== terms.length) {
    throw new RangeError(`Expected ${terms.length} log-variances for logVars but received ${logVars.numel}`);
  }
  if (logVars.device === 'cuda') {
    throw new Error('uncertainty weighting is not available on cuda yet (use fixed task weights, or train on the cpu)');
  }
  const s = logVars.data;
  let total = 0;
  terms.forEach((t, i) => (total += weights[i] * Math.exp(-s[i]) * t.data[0] + s[i]));
  return record(scalar(total), 'uncertaintyWeightedSum', [...terms, logVars], { terms, weights, logVars });
}
