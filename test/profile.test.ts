// The profiler (lib/profile, `ftmtlnet profile`): rows per op kind whose shares and the JS
// time sum to the step, FLOPs that match the model summary, a valid Chrome trace, --json that
// parses, and the registry's profiler slot empty again afterwards. No timing thresholds.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { profileStep, formatProfile } from '../lib/profile/index';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { getKernel } from '../lib/registry';
import { buildProgram } from '../lib/cli/main';
import type { ProfileReport } from '../lib/profile/index';

const CONV_KINDS = ['conv2d', 'featureTransfer', 'convScaleRelu', 'linear'];

function sharesSum(r: ProfileReport): number {
  return r.rows.reduce((s, row) => s + row.share, 0) + r.jsShare;
}

t.test('training step: rows per op kind, forward and backward attributed, shares sum to 1', async (t) => {
  const model = FTMTLNet.create({ preset: 'xs', imageSize: 64, seed: 3 });
  const forwardGflop = (2 * model.summary().flops) / 1e9;   // batch 2
  const { report, trace } = profileStep({ model, batch: 2, train: true, warmup: 1, steps: 2 });
  t.equal(report.mode, 'train');
  t.equal(report.steps, 2);
  const kinds = report.rows.map((r) => r.kind);
  for (const k of ['conv2d', 'featureTransfer', 'batchNorm2dRelu', 'relu', 'maxPool2d', 'upsample2d', 'sgdStep']) t.ok(kinds.includes(k), `has a ${k} row`);
  const conv = report.rows.find((r) => r.kind === 'conv2d')!;
  t.ok(conv.forwardMs > 0 && conv.backwardMs > 0, 'conv2d has forward and backward time');
  t.ok(conv.gflopPerS !== null && conv.mbMoved > 0, 'conv2d has GFLOP/s and bytes');
  t.equal(report.rows.find((r) => r.kind === 'sgdStep')!.calls, model.parameters().length, 'one sgdStep per parameter per step');
  t.ok(report.rows.find((r) => r.kind === 'sgdStep')!.updateMs > 0, 'sgdStep counts in the update');
  // Every batch norm of the model is followed by a ReLU: fused both ways (batchNorm2dRelu), so no
  // plain batch-norm kernel runs at all.
  const bnRelu = report.rows.find((r) => r.kind === 'batchNorm2dRelu')!;
  t.ok(bnRelu.forwardMs > 0 && bnRelu.backwardMs > 0, 'the fused batch norm + ReLU has forward and backward time');
  t.notOk(kinds.includes('batchNorm2d'), 'no plain batch-norm kernel');
  t.equal(report.rows.find((r) => r.kind === 'relu')!.updateMs, 0, 'no relu in the update');
  t.ok(Math.abs(sharesSum(report) - 1) < 1e-9, `shares + JS share = ${sharesSum(report)}`);
  t.ok(Math.abs(report.kernelMs + report.jsMs - report.stepMs) < 1e-9, 'kernel ms + JS ms = step ms');
  // Backward = data pass (all but the stem, whose input needs no gradient) + weight pass.
  const gflop = report.rows.filter((r) => CONV_KINDS.includes(r.kind)).reduce((s, r) => s + r.gflop, 0);
  t.ok(gflop > 2 * forwardGflop && gflop < 3 * forwardGflop + 1e-9, `step GFLOP ${gflop} between 2x and 3x the forward's ${forwardGflop}`);
  t.ok(report.rows.filter((r) => !CONV_KINDS.includes(r.kind)).every((r) => r.gflopPerS === null), 'GFLOP/s only where FLOPs are counted');
  t.match(formatProfile(report), /JS between kernels/);
  t.ok(trace.some((e) => e.cat === 'backward'), 'the trace has backward kernels');
});

t.test('inference: FLOPs match the model summary, no backward, the registry slot is empty after', async (t) => {
  const model = FTMTLNet.create({ preset: 'xs', imageSize: 64, seed: 3 });
  const expected = (3 * model.summary().flops) / 1e9;
  const { report } = profileStep({ model, batch: 3, warmup: 0, steps: 1 });
  t.equal(report.mode, 'inference');
  const gflop = report.rows.filter((r) => CONV_KINDS.includes(r.kind)).reduce((s, r) => s + r.gflop, 0);
  t.ok(Math.abs(gflop - expected) <= 1e-9 * expected, `counted ${gflop} GFLOP = summary ${expected}`);
  t.ok(report.rows.every((r) => r.backwardMs === 0 && r.updateMs === 0), 'inference has no backward or update kernels');
  t.ok(Math.abs(sharesSum(report) - 1) < 1e-9, 'shares sum to 1');
  t.equal(model.training, true, 'the model is back in its mode');
  t.equal(getKernel('reluForward', 'cpu'), getKernel('reluForward', 'cpu'), 'lookups hand out the bare kernel again');
});

t.test('bad options name the option', async (t) => {
  t.throws(() => profileStep({ preset: 'xs', imageSize: 64, batch: 0 }), /batch/);
  t.throws(() => profileStep({ preset: 'xs', imageSize: 64, steps: 1.5 }), /steps/);
});

async function cli(args: string[]): Promise<string> {
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  try {
    await buildProgram((p) => p.exitOverride().configureOutput({ writeErr: () => undefined })).parseAsync(['node', 'ftmtlnet', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return out;
}

t.test('ftmtlnet profile --json parses and --trace writes Chrome trace events', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftmtlnet-profile-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'step.json');
  const out = await cli(['profile', '--preset', 'xs', '--size', '64', '--batch', '1', '--train', '--warmup', '0', '--steps', '1', '--json', '--trace', file]);
  const report = JSON.parse(out) as ProfileReport;
  t.equal(report.mode, 'train');
  t.equal(report.imageSize, 64);
  t.ok(report.rows.some((r) => r.kind === 'conv2d'), 'has a conv2d row');
  const trace = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>[];
  t.ok(Array.isArray(trace) && trace.length > 10, 'a JSON array of events');
  for (const e of trace) {
    if (e.ph !== 'X' || typeof e.name !== 'string' || typeof e.cat !== 'string' || typeof e.ts !== 'number' || typeof e.dur !== 'number' ||
      typeof e.pid !== 'number' || typeof e.tid !== 'number' || (e.dur as number) < 0) {
      t.fail(`not a complete event: ${JSON.stringify(e)}`);
      return;
    }
  }
  const step = trace.find((e) => e.cat === 'step')!;
  const kernels = trace.filter((e) => e.cat === 'forward' || e.cat === 'backward' || e.cat === 'update');
  t.ok(kernels.some((e) => e.name === 'conv2dBackwardWeight'), 'kernel events by name');
  const stem = kernels.find((e) => e.cat === 'forward' && /^conv/.test(e.name as string))!;
  t.match((stem.args as Record<string, unknown>).shapes, /^1x1x64x64 8x1x3x3 .*-> 1x8x32x32$/, 'a kernel event carries its tensor shapes (the stem conv: input, weight -> output)');
  t.ok(kernels.every((e) => (e.ts as number) >= (step.ts as number) && (e.ts as number) + (e.dur as number) <= (step.ts as number) + (step.dur as number) + 1e-3),
    'every kernel lies inside its step');
  const text = await cli(['profile', '--preset', 'xs', '--size', '64', '--batch', '1', '--warmup', '0', '--steps', '1']);
  t.match(text, /op kind\s+calls\s+forward ms\s+backward ms/);
  t.match(text, /convScaleRelu|conv2d/);
});

t.test('ftmtlnet profile refuses a size that is not a multiple of 32', async (t) => {
  await t.rejects(cli(['profile', '--size', '50']), /--size must be a multiple of 32/);
});
