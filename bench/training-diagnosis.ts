// `npm run bench -- diagnose`: why does a run learn (or not)? Prints, as JSON lines, what the
// targets look like at the training size (lesion radius in pixels, mask and heatmap occupancy,
// class balance), then trains for a few steps and logs the loss parts, the gradient norm that
// each task's loss sends into each branch (stem, seg, det, cls), and what the heads output
// (spread of the class probabilities, heatmap peak, predicted mask area).
import { parseArgs } from 'node:util';
import { loadSamples, splitSamples, datasetClasses } from '../lib/cli/data-source';
import { recipePreprocess, type RecipeName } from '../lib/cli/recipe';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { MultiTaskLoss } from '../lib/model/multitask-loss';
import { encodeTargets } from '../lib/model/targets';
import { DataLoader } from '../lib/train/loader';
import { AdamW, decayGroups } from '../lib/train/optimizers';
import { clipGradNorm, globalNorm } from '../lib/train/clip';
import { releaseGraph, noGrad } from '../lib/autograd';
import { softmaxRows } from '../lib/model/decode';
import { setNumThreads } from '../lib/capabilities';
import type { Preset } from '../lib/model/config';
import type { Tensor } from '../lib/tensor';

const BRANCHES = ['stem', 'seg', 'det', 'cls'] as const;

function branchNorms(model: FTMTLNet): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of BRANCHES) out[b] = globalNorm(model.namedParameters().filter(([n]) => n.startsWith(`${b}.`)).map(([, t]) => t.grad));
  return out;
}

function round(v: number, d = 4): number {
  return Number.isFinite(v) ? Number(v.toFixed(d)) : v;
}

export async function run(args: string[]): Promise<void> {
  const { values: a } = parseArgs({
    args,
    options: {
      data: { type: 'string' }, format: { type: 'string', default: 'auto' }, size: { type: 'string', default: '256' },
      preset: { type: 'string', default: 'xs' }, recipe: { type: 'string', default: 'phantom' }, steps: { type: 'string', default: '60' },
      batch: { type: 'string', default: '8' }, lr: { type: 'string', default: '2e-3' }, every: { type: 'string', default: '10' },
      'loss-weights': { type: 'string', default: '4,1,1' }, threads: { type: 'string' },
    },
  });
  if (a.threads) setNumThreads(Number(a.threads));
  const size = Number(a.size);
  const recipe = a.recipe as RecipeName;
  const ds = await loadSamples({ data: a.data, format: a.format as never, size, preprocess: recipePreprocess(recipe) });
  const classes = datasetClasses(ds);
  const { train } = splitSamples(ds.samples, 0.2, 0);
  const print = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n');

  // Targets at the training size.
  const counts: Record<string, number> = {};
  for (const s of train) counts[s.label] = (counts[s.label] ?? 0) + 1;
  const radii: number[] = [];
  let maskPixels = 0, withMass = 0;
  for (const s of train) {
    for (const b of s.boxes) radii.push(Math.sqrt(((b[2] - b[0]) * (b[3] - b[1])) / Math.PI));
    const m = s.mask ? s.mask.reduce((x, v) => x + v, 0) : 0;
    if (m) { maskPixels += m; withMass++; }
  }
  radii.sort((x, y) => x - y);
  const t = encodeTargets(train, { classNames: classes, imageSize: size, headStride: 8 });
  const heat = t.heatmap.toFloat32Array();
  let peaks = 0, warm = 0;
  for (const v of heat) { if (v === 1) peaks++; if (v > 0.1) warm++; }
  print({
    what: 'targets', recipe, size, images: train.length, classes: counts,
    lesionRadiusPx: { min: round(radii[0], 1), median: round(radii[radii.length >> 1], 1), max: round(radii[radii.length - 1], 1), count: radii.length },
    imagesWithMass: withMass, maskShareOnMassImages: round(maskPixels / Math.max(1, withMass) / (size * size)),
    maskShareAll: round(maskPixels / (train.length * size * size), 5),
    heatmapPeakShare: round(peaks / heat.length, 5), heatmapWarmShare: round(warm / heat.length, 5),
  });
  t.heatmap.dispose(); t.size.dispose(); t.offset.dispose(); t.regMask.dispose(); t.mask.dispose();

  // A short training run with the per-task gradient decomposition.
  const [wc, wd, ws] = a['loss-weights']!.split(',').map(Number);
  const model = FTMTLNet.create({ preset: a.preset as Preset, imageSize: size, numClasses: classes.length, classNames: classes, seed: 0 });
  const loss = new MultiTaskLoss({ weights: { cls: wc, det: wd, seg: ws } });
  const single = { cls: new MultiTaskLoss({ weights: { cls: wc, det: 0, seg: 0 } }), det: new MultiTaskLoss({ weights: { cls: 0, det: wd, seg: 0 } }), seg: new MultiTaskLoss({ weights: { cls: 0, det: 0, seg: ws } }) };
  const opt = new AdamW(decayGroups(model.namedParameters(), 1e-4), { lr: Number(a.lr), weightDecay: 1e-4 });
  const loader = new DataLoader(train, { batchSize: Number(a.batch), imageSize: size, seed: 0, augment: {}, prefetch: 1, dropLast: true });
  const steps = Number(a.steps), every = Number(a.every);
  let step = 0;
  const t0 = Date.now();
  for (let epoch = 0; step < steps; epoch++) {
    for await (const batch of loader.batches(epoch)) {
      if (step >= steps) break;
      const targets = encodeTargets(batch.samples, { classNames: classes, imageSize: size, headStride: 8 });
      model.train();
      if (step % every === 0) {
        const perTask: Record<string, Record<string, number>> = {};
        for (const [task, l] of Object.entries(single)) {
          const out = model.forward(batch.images);
          const r = l.compute(out, targets);
          r.total.backward();
          perTask[task] = Object.fromEntries(Object.entries(branchNorms(model)).map(([k, v]) => [k, round(v)]));
          opt.zeroGrad();
          releaseGraph(r.total);
        }
        const heads = noGrad(() => {
          model.eval();
          const out = model.forward(batch.images);
          const probs = softmaxRows(out.class_logits);
          const k = classes.length;
          const spread = Array.from({ length: k }, (_, c) => {
            const col = probs.map((p) => p[c]);
            const m = col.reduce((x, y) => x + y, 0) / col.length;
            return round(Math.sqrt(col.reduce((x, y) => x + (y - m) ** 2, 0) / col.length));
          });
          const heat = out.heatmap.toFloat32Array();
          let hmax = -Infinity;
          for (const v of heat) hmax = Math.max(hmax, v);
          const mask = out.mask_logits.toFloat32Array();
          let on = 0;
          for (const v of mask) if (v > 0) on++;
          const meanProbs = Array.from({ length: k }, (_, c) => round(probs.reduce((x, p) => x + p[c], 0) / probs.length));
          for (const o of Object.values(out) as Tensor[]) o.dispose();
          return { meanProbs, probStd: spread, heatmapMaxProb: round(1 / (1 + Math.exp(-hmax))), maskShare: round(on / mask.length, 5) };
        });
        model.train();
        print({ what: 'gradients', step, gradNormByTaskAndBranch: perTask, heads });
      }
      opt.lr = Number(a.lr);
      const out = model.forward(batch.images);
      const { total, parts } = loss.compute(out, targets);
      total.backward();
      const clip = clipGradNorm(opt.params, 10);
      opt.step();
      opt.zeroGrad();
      releaseGraph(total);
      print({ what: 'step', step, seconds: round((Date.now() - t0) / 1000, 1), gradNorm: round(clip.norm), ...Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v])) });
      step++;
    }
  }
  await loader.close();
}
