// The demo's budget: how many phantoms, which model and how long to train. The full demo
// must finish in under 15 minutes on a 2-core CPU and reach AUC >= 0.90, Dice >= 0.70 and
// FROC sensitivity >= 0.80 at 1 FP/image on held-out phantoms; --quick is a ~1 minute smoke run.
import type { Preset } from '../model/config';
import type { MultiTaskLossOptions } from '../model/multitask-loss';

export interface DemoConfig {
  size: number;
  preset: Preset;
  trainCount: number;
  valCount: number;
  testCount: number;
  epochs: number;
  batch: number;
  lr: number;
  loss: MultiTaskLossOptions;
  overlays: number;
  trainBudget: number;   // seconds: no epoch starts that would likely end past it (keeps the demo under 15 min)
}

export const DEMO_TARGETS = { auc: 0.9, dice: 0.7, froc1: 0.8 };

export const FULL_DEMO: DemoConfig = {
  size: 128, preset: 'xs', trainCount: 480, valCount: 48, testCount: 120, epochs: 22, batch: 16, lr: 3e-3,
  loss: { weights: { cls: 4, det: 1, seg: 1 } }, overlays: 6, trainBudget: 690,
};

export const QUICK_DEMO: DemoConfig = {
  size: 64, preset: 'xs', trainCount: 64, valCount: 16, testCount: 24, epochs: 2, batch: 16, lr: 3e-3,
  loss: { weights: { cls: 4, det: 1, seg: 1 } }, overlays: 2, trainBudget: 50,
};
