// Learning-rate schedules: linear warm-up followed by cosine decay to a floor.
import { expectInt, expectNumber } from '../errors';

export interface WarmupCosineOptions {
  baseLr: number;
  totalSteps: number;
  warmupSteps?: number;     // default 0
  minLr?: number;           // the floor cosine decays to (default 0)
  warmupStart?: number;     // fraction of baseLr at step 0 (default 1 / warmupSteps)
}

export type Schedule = (step: number) => number;

// lr(step) for 0-based step: warm-up rises linearly from warmupStart*baseLr to baseLr over
// warmupSteps; then lr = minLr + (baseLr - minLr) * (1 + cos(pi * t)) / 2, t from 0 to 1
// over the remaining steps; after totalSteps it stays at minLr.
export function warmupCosine(options: WarmupCosineOptions): Schedule {
  const baseLr = expectNumber(options?.baseLr, 'options.baseLr', 0);
  const totalSteps = expectInt(options.totalSteps, 'options.totalSteps', 1);
  const warmupSteps = expectInt(options.warmupSteps ?? 0, 'options.warmupSteps', 0, totalSteps);
  const minLr = expectNumber(options.minLr ?? 0, 'options.minLr', 0, baseLr);
  const start = expectNumber(options.warmupStart ?? (warmupSteps > 0 ? 1 / warmupSteps : 1), 'options.warmupStart', 0, 1);
  return (step: number): number => {
    if (step < warmupSteps) return baseLr * (start + (1 - start) * (step / warmupSteps));
    const decaySteps = totalSteps - warmupSteps;
    if (decaySteps <= 0) return baseLr;
    const t = Math.min(1, (step - warmupSteps) / decaySteps);
    return minLr + (baseLr - minLr) * 0.5 * (1 + Math.cos(Math.PI * t));
  };
}
