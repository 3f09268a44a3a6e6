// Test-only: runs one op on the CPU and on CUDA from the same inputs and upstream gradient,
// and compares outputs and input gradients with a tolerance per precision (NaN fails).
import type { Test } from 'tap';
import { Tensor } from '../../lib/tensor';
import { Rng, randArray, compareClose } from './check';

type Asserter = Pick<Test, 'ok'>;

export interface DeviceCase {
  what: string;
  shapes: number[][];            // input shapes (all require grad unless noGrad lists them)
  run: (xs: Tensor[]) => Tensor; // the op, written once for both devices
  tol: number;                   // |d| <= tol * (1 + max |ref|)-scaled atol + tol * |ref|
  noGrad?: number[];             // inputs that do not require grad (targets, running stats)
  inputs?: Float32Array[];       // explicit input values (default: uniform [-1, 1])
  backward?: boolean;            // default true
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function close(t: Asserter, actual: Float32Array, expected: Float32Array, tol: number, what: string): void {
  const atol = tol * Math.max(1, maxAbs(expected));
  const r = compareClose(actual, expected, { atol, rtol: tol });
  t.ok(r.ok, `${what}: ${r.message}`);
}

export function compareDevices(t: Asserter, rng: Rng, c: DeviceCase): void {
  const values = c.shapes.map((s, i) => c.inputs?.[i] ?? randArray(rng, s.reduce((p, v) => p * v, 1)));
  const grad = (i: number) => c.backward !== false && !(c.noGrad ?? []).includes(i);
  const cpu = c.shapes.map((s, i) => Tensor.from(values[i], s, { requiresGrad: grad(i) }));
  const gpu = c.shapes.map((s, i) => Tensor.from(values[i], s, { requiresGrad: grad(i), device: 'cuda' }));
  const yc = c.run(cpu);
  const yg = c.run(gpu);
  t.ok(yg.device === 'cuda', `${c.what}: output stays on cuda`);
  t.ok(yg.shape.join(',') === yc.shape.join(','), `${c.what}: output shape [${yg.shape}] == [${yc.shape}]`);
  close(t, yg.toFloat32Array(), yc.toFloat32Array(), c.tol, `${c.what} forward`);
  if (c.backward === false) return;
  const dy = randArray(rng, yc.numel);
  yc.backward(Tensor.from(dy, yc.shape));
  yg.backward(Tensor.from(dy, yg.shape, { device: 'cuda' }));
  cpu.forEach((x, i) => {
    if (!grad(i)) return;
    const gg = gpu[i].grad;
    t.ok(gg !== null && gg.device === 'cuda', `${c.what}: grad of input ${i} on cuda`);
    if (gg && x.grad) close(t, gg.toFloat32Array(), x.grad.toFloat32Array(), c.tol, `${c.what} grad of input ${i}`);
  });
}
