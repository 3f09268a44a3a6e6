// The Winograd paths of the CPU convolution (native/cpu/winograd*.cc), forced with
// setConvAlgorithm: forward, backward-data, several sources and the fused inference conv, on
// odd sizes, padding 0 and 1, batch 1 and > 1, against the float64 reference at the documented
// bound (docs/winograd.md): |y - y_exact| <= beta * (sum |w||x| + |b|) per output element,
// beta = 1e-6 for F(2x2,3x3) and 1e-5 for F(4x4,3x3) (measured worst: 1.4e-7 and 1.8e-6).
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Tensor } from '../lib/tensor';
import { conv2d } from '../lib/ops/conv';
import { featureTransfer } from '../lib/ops/feature-transfer';
import { convScaleRelu } from '../lib/ops/fused-conv';
import { getConvAlgorithm, getNumThreads, memoryStats, setConvAlgorithm, ConvAlgorithm } from '../lib/capabilities';
import { randArray, randTensor, seededRandom } from './support/check';
import { ConvRefShape, convBackwardRef, convForwardRef, convOut } from './support/conv-reference';

const BETA: Record<'wino2' | 'wino4', number> = { wino2: 1e-6, wino4: 1e-5 };

interface Case { n: number; c: number; h: number; w: number; k: number; p: number; bias: boolean }

const cases: Case[] = [
  { n: 1, c: 3, h: 5, w: 5, k: 2, p: 1, bias: true },
  { n: 2, c: 16, h: 7, w: 9, k: 20, p: 1, bias: false },
  { n: 1, c: 17, h: 13, w: 11, k: 9, p: 0, bias: true },
  { n: 3, c: 8, h: 6, w: 6, k: 5, p: 1, bias: true },
  { n: 1, c: 33, h: 19, w: 23, k: 40, p: 0, bias: false },
  { n: 2, c: 24, h: 37, w: 29, k: 19, p: 1, bias: true },
  { n: 1, c: 5, h: 3, w: 3, k: 7, p: 0, bias: true },
  { n: 1, c: 4, h: 1, w: 1, k: 3, p: 1, bias: false },
  // Many tiles: several chunks of tiles, spread over the threads; a chunk spans images.
  { n: 2, c: 20, h: 50, w: 47, k: 70, p: 1, bias: true },
  { n: 5, c: 40, h: 10, w: 10, k: 24, p: 1, bias: false },
];

function shapeOf(cs: Case): ConvRefShape {
  return { n: cs.n, c: cs.c, h: cs.h, w: cs.w, k: cs.k, r: 3, s: 3, sh: 1, sw: 1, ph: cs.p, pw: cs.p };
}

function abs(a: ArrayLike<number>): Float64Array {
  return Float64Array.from(a, (v) => Math.abs(v));
}

// Checks |actual - exact| <= beta * scale elementwise (NaN fails); returns the worst ratio.
function checkBound(t: Pick<Test, 'equal'>, actual: ArrayLike<number>, exact: ArrayLike<number>, scale: ArrayLike<number>,
  beta: number, what: string): void {
  let bad = 0;
  let worst = 0;
  for (let i = 0; i < exact.length; i++) {
    const err = Math.abs(actual[i] - exact[i]);
    if (!(err <= beta * scale[i] + 1e-30)) bad++;
    worst = Math.max(worst, err / (scale[i] + 1e-30));
  }
  t.equal(bad, 0, `${what}: every element within ${beta} * sum|w||x| (worst ratio ${worst.toExponential(2)})`);
}

function differs(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return true;
  return false;
}

function withAlgorithm<T>(algorithm: ConvAlgorithm, fn: () => T): T {
  const before = getConvAlgorithm();
  setConvAlgorithm(algorithm);
  try {
    return fn();
  } finally {
    setConvAlgorithm(before);
  }
}

for (const variant of ['wino2', 'wino4'] as const) {
  t.test(`${variant}: conv2d forward and dx within the bound of the float64 reference`, (t) => {
    cases.forEach((cs, i) => {
      const g = shapeOf(cs);
      const rng = seededRandom(700 + i);
      const x = randTensor(rng, [cs.n, cs.c, cs.h, cs.w], { requiresGrad: true });
      const w = randTensor(rng, [cs.k, cs.c, 3, 3], { requiresGrad: true, scale: 1 / Math.sqrt(9 * cs.c) });
      const b = cs.bias ? randTensor(rng, [cs.k]) : null;
      const name = `${variant} n${cs.n} c${cs.c} ${cs.h}x${cs.w} k${cs.k} p${cs.p}${cs.bias ? ' bias' : ''}`;
      const y = withAlgorithm(variant, () => conv2d(x, w, b, { padding: cs.p }));
      const [P, Q] = convOut(g);
      t.same([...y.shape], [cs.n, cs.k, P, Q], `${name} shape`);
      const scale = convForwardRef(g, abs(x.data), abs(w.data), b ? abs(b.data) : null);
      checkBound(t, y.data, convForwardRef(g, x.data, w.data, b ? b.data : null), scale, BETA[variant], `${name} forward`);
      const dy = randArray(rng, y.numel);
      withAlgorithm(variant, () => y.backward(Tensor.from(dy, [...y.shape])));
      const ref = convBackwardRef(g, x.data, w.data, dy);
      const dxScale = convBackwardRef(g, x.data, abs(w.data), abs(dy)).dx;
      checkBound(t, x.grad!.data, ref.dx, dxScale, BETA[variant], `${name} dx`);
      const direct = withAlgorithm('direct', () => conv2d(x.detach(), w.detach(), b, { padding: cs.p }));
      if (cs.c * cs.h * cs.w > 100) t.ok(differs(direct.data, y.data), `${name}: the Winograd path ran (rounding differs from direct)`);
    });
    t.end();
  });

  t.test(`${variant}: featureTransfer of several sources and the fused inference conv`, (t) => {
    const rng = seededRandom(800);
    const n = 2, h = 11, wd = 14, k = 18;
    const channels = [5, 16, 3];
    const total = channels.reduce((a, c) => a + c, 0);
    const xs = channels.map((c) => randTensor(rng, [n, c, h, wd], { requiresGrad: true }));
    const w = randTensor(rng, [k, total, 3, 3], { scale: 1 / Math.sqrt(9 * total) });
    const b = randTensor(rng, [k]);
    // The concatenation by hand, for the reference.
    const cat = new Float64Array(n * total * h * wd);
    for (let b0 = 0; b0 < n; b0++) {
      let c0 = 0;
      xs.forEach((x, s) => {
        for (let c = 0; c < channels[s]; c++)
          for (let p = 0; p < h * wd; p++) cat[(b0 * total + c0 + c) * h * wd + p] = x.data[(b0 * channels[s] + c) * h * wd + p];
        c0 += channels[s];
      });
    }
    const g: ConvRefShape = { n, c: total, h, w: wd, k, r: 3, s: 3, sh: 1, sw: 1, ph: 1, pw: 1 };
    const exact = convForwardRef(g, cat, w.data, b.data);
    const scale = convForwardRef(g, abs(cat), abs(w.data), abs(b.data));
    const y = withAlgorithm(variant, () => featureTransfer(xs, w, b, { padding: 1 }));
    checkBound(t, y.data, exact, scale, BETA[variant], `${variant} featureTransfer forward`);
    // Backward-data into each source.
    const dy = randArray(rng, y.numel);
    withAlgorithm(variant, () => y.backward(Tensor.from(dy, [...y.shape])));
    const ref = convBackwardRef(g, cat, w.data, dy);
    const refScale = convBackwardRef(g, cat, abs(w.data), abs(dy)).dx;
    let c0 = 0;
    xs.forEach((x, s) => {
      const part = new Float64Array(n * channels[s] * h * wd);
      const partScale = new Float64Array(part.length);
      for (let b0 = 0; b0 < n; b0++)
        for (let c = 0; c < channels[s]; c++)
          for (let p = 0; p < h * wd; p++) {
            part[(b0 * channels[s] + c) * h * wd + p] = ref.dx[(b0 * total + c0 + c) * h * wd + p];
            partScale[(b0 * channels[s] + c) * h * wd + p] = refScale[(b0 * total + c0 + c) * h * wd + p];
          }
      checkBound(t, x.grad!.data, part, partScale, BETA[variant], `${variant} featureTransfer dx of source ${s}`);
      c0 += channels[s];
    });
    // relu(conv(x, w * scale[k]) + shift[k]): scale and shift applied as the direct path does.
    const rowScale = Float32Array.from(randArray(rng, k), (v) => 0.5 + Math.abs(v));
    const shift = randArray(rng, k);
    const fused = withAlgorithm(variant, () => convScaleRelu(xs, w, shift, rowScale, 1, 1));
    const plain = convForwardRef(g, cat, w.data, null);
    const hw = h * wd;
    const fusedExact = plain.map((v, i) => Math.max(0, v * rowScale[Math.floor(i / hw) % k] + shift[Math.floor(i / hw) % k]));
    const fusedScale = scale.map((v, i) => (v - Math.abs(b.data[Math.floor(i / hw) % k])) * rowScale[Math.floor(i / hw) % k] + Math.abs(shift[Math.floor(i / hw) % k]));
    checkBound(t, fused.data, fusedExact, fusedScale, BETA[variant], `${variant} convScaleRelu`);
    t.end();
  });
}

t.test('auto agrees with direct at the F(4,3) bound on a shape it runs with Winograd', (t) => {
  const rng = seededRandom(900);
  // 100 4x4 tiles per image, one image per kernel thread: over auto's 64 tiles per thread.
  const n = getNumThreads();
  const g: ConvRefShape = { n, c: 32, h: 40, w: 40, k: 32, r: 3, s: 3, sh: 1, sw: 1, ph: 1, pw: 1 };
  const x = randTensor(rng, [n, 32, 40, 40]);
  const w = randTensor(rng, [32, 32, 3, 3], { scale: 1 / Math.sqrt(9 * 32) });
  const auto = withAlgorithm('auto', () => conv2d(x, w, null, { padding: 1 }));
  const direct = withAlgorithm('direct', () => conv2d(x, w, null, { padding: 1 }));
  const scale = convForwardRef(g, abs(x.data), abs(w.data), null);
  checkBound(t, auto.data, direct.data, scale, 2 * BETA.wino4, 'auto vs direct');
  t.ok(differs(auto.data, direct.data), 'auto chose Winograd for 32 -> 32 channels on 40x40');
  // Stride 2 and 1x1 kernels never take it.
  const strided = withAlgorithm('wino4', () => conv2d(x, w, null, { padding: 1, stride: 2 }));
  const stridedDirect = withAlgorithm('direct', () => conv2d(x, w, null, { padding: 1, stride: 2 }));
  t.same([...strided.data], [...stridedDirect.data], 'stride 2 runs direct whatever the setting');
  t.end();
});

t.test('setConvAlgorithm validates its argument and getConvAlgorithm reports it', (t) => {
  const before = getConvAlgorithm();
  t.ok(['auto', 'direct', 'wino2', 'wino4'].includes(before), `default is a known algorithm (${before})`);
  t.throws(() => setConvAlgorithm('wino8' as ConvAlgorithm), new RangeError("Expected one of 'auto', 'direct', 'wino2', 'wino4' for algorithm but received \"wino8\""));
  t.equal(getConvAlgorithm(), before, 'a refused value changes nothing');
  for (const a of ['direct', 'wino2', 'wino4', 'auto'] as const) {
    setConvAlgorithm(a);
    t.equal(getConvAlgorithm(), a);
  }
  setConvAlgorithm(before);
  t.end();
});

// Runs `body` (JS with the addon as k, filling out) in a child process with env[name] = value:
// the variable is read once, at the first convolution or query.
function inChild<T>(t: Pick<Test, 'equal'>, body: string, name: string, value: string): T {
  const script = `
    const k = require(${JSON.stringify(path.join(__dirname, 'support', 'simd-child.js'))}).loadAddon();
    const out = { error: null };
    try { ${body} } catch (e) { out.error = e.message; }
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, [name]: value }, encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 0, `child exited cleanly ${r.stderr ? r.stderr.slice(0, 300) : ''}`);
  return JSON.parse(r.stdout) as T;
}

t.test('FTMTLNET_CONV sets the default; an unknown value is an error naming the variable', (t) => {
  const run = (value: string) => inChild<{ algorithm?: string; error: string | null }>(t, `
      out.algorithm = k.convAlgorithm();
      const x = new Float32Array(2 * 16 * 16), w = new Float32Array(2 * 2 * 9), y = new Float32Array(2 * 16 * 16);
      k.conv2dForward(x, [1, 2, 16, 16], w, [2, 2, 3, 3], null, y, 1, 1, 1, 1);`, 'FTMTLNET_CONV', value);
  t.same(run('wino2'), { error: null, algorithm: 'wino2' }, 'FTMTLNET_CONV=wino2');
  t.same(run('direct'), { error: null, algorithm: 'direct' }, 'FTMTLNET_CONV=direct');
  t.same(run('fast'), { error: 'convAlgorithm: Expected auto, direct, wino2 or wino4 for FTMTLNET_CONV but received fast' },
    'FTMTLNET_CONV=fast is refused by name');
  t.end();
});

t.test('the fused inference conv keeps its transformed weights, and never serves them stale', (t) => {
  const rng = seededRandom(950);
  const g: ConvRefShape = { n: 1, c: 24, h: 20, w: 20, k: 16, r: 3, s: 3, sh: 1, sw: 1, ph: 1, pw: 1 };
  const x = randTensor(rng, [1, 24, 20, 20]);
  const w = randTensor(rng, [16, 24, 3, 3], { scale: 0.2 });
  const rowScale = new Float32Array(16).fill(1), shift = new Float32Array(16);
  const fused = (): Float32Array => withAlgorithm('wino4', () => convScaleRelu([x], w, shift, rowScale, 1, 1)).data;
  const exact = (): Float64Array => convForwardRef(g, x.data, w.data, null).map((v) => Math.max(0, v));
  const scale = (): Float64Array => convForwardRef(g, abs(x.data), abs(w.data), null);
  const before = memoryStats().weightCacheBytes;
  const first = fused();
  t.ok(memoryStats().weightCacheBytes > before, `the transformed weights are kept (${memoryStats().weightCacheBytes} bytes)`);
  t.same([...fused()], [...first], 'a second call with the same weights gives the same output');
  checkBound(t, first, exact(), scale(), BETA.wino4, 'first call');
  // Weights changed in place (an optimizer step, a reload into the same tensor): recomputed.
  w.data[5] += 0.5;
  w.data[w.numel - 1] -= 0.25;
  const changed = fused();
  t.ok(differs(changed, first), 'the changed weights change the output');
  checkBound(t, changed, exact(), scale(), BETA.wino4, 'after the weights changed in place');
  t.end();
});

// Kept weights are checked against the caller's slice by slice inside the parallel pass (each
// thread hashes its units' blocks of 4,096 weights, native/cpu/weight_hash.h): a change in any
// one slice, first or last, must be caught, and the output then equals that of weights never
// seen before (a copy at another address). So must a swap of two weights (a sum would not see
// it) and a swap of two whole blocks (a hash of each block's contents alone would not).
t.test('kept weights split over the threads: a change in any slice is caught', (t) => {
  const rng = seededRandom(951);
  const x = randTensor(rng, [1, 64, 64, 64]);
  const w = randTensor(rng, [64, 64, 3, 3], { scale: 0.1 });
  const rowScale = new Float32Array(64).fill(1.5), shift = new Float32Array(64).fill(0.01);
  const fused = (weight: Tensor): Float32Array =>
    withAlgorithm('wino4', () => convScaleRelu([x], weight, shift, rowScale, 1, 1)).data;
  const fresh = (): Float32Array => fused(Tensor.from(Float32Array.from(w.data), w.shape));
  t.same([...fused(w)], [...fresh()], 'kept weights give what new weights give');
  t.same([...fused(w)], [...fresh()], 'and again from the cache');
  for (const at of [0, Math.floor(w.numel / 2), w.numel - 1]) {
    const before = fused(w);
    w.data[at] += 0.75;
    const after = fused(w);
    t.ok(differs(after, before), `a change at weight ${at} of ${w.numel} changes the output`);
    t.same([...after], [...fresh()], `after a change at weight ${at}, the output equals that of the new weights`);
  }
  const swaps: [string, () => void][] = [
    ['two weights 32 apart swapped (one hash lane)', () => { const a = w.data[10]; w.data[10] = w.data[42]; w.data[42] = a; }],
    ['two blocks swapped', () => {
      const first = w.data.slice(0, 4096);
      w.data.copyWithin(0, 4096, 8192);
      w.data.set(first, 4096);
    }],
  ];
  for (const [what, change] of swaps) {
    const before = fused(w);
    change();
    const after = fused(w);
    t.ok(differs(after, before), `${what}: the output changes`);
    t.same([...after], [...fresh()], `${what}: the output equals that of the new weights`);
  }
  t.end();
});

t.test('FTMTLNET_SIMD=scalar: the portable weight hash catches a change too', (t) => {
  const r = inChild<{ same?: boolean; changed?: boolean; error: string | null }>(t, `
      k.setConvAlgorithm('wino4');
      const x = new Float32Array(32 * 32 * 32).map((_, i) => Math.sin(i)), w = new Float32Array(32 * 32 * 9).map((_, i) => Math.cos(i) / 10);
      const run = (weights) => {
        const y = new Float32Array(32 * 32 * 32);
        k.conv2dForward(x, [1, 32, 32, 32], weights, [32, 32, 3, 3], null, y, 1, 1, 1, 1, true, new Float32Array(32).fill(1));
        return y;
      };
      const equal = (a, b) => a.every((v, i) => v === b[i]);
      const first = run(w);
      out.same = equal(run(w), first);
      w[w.length - 1] += 0.5;
      out.changed = equal(run(w), run(Float32Array.from(w))) && !equal(run(w), first);`, 'FTMTLNET_SIMD', 'scalar');
  t.same(r, { error: null, same: true, changed: true }, 'kept weights reused, then a change at the last weight caught');
  t.end();
});

t.test('FTMTLNET_WEIGHT_CACHE_MB=0 keeps no weights; a bad value is an error naming the variable', (t) => {
  const run = (value: string) => inChild<{ bytes?: number; error: string | null }>(t, `
      k.setConvAlgorithm('wino4');
      const x = new Float32Array(16 * 16 * 16).fill(1), w = new Float32Array(16 * 16 * 9).fill(0.1), y = new Float32Array(16 * 16 * 16);
      k.conv2dForward(x, [1, 16, 16, 16], w, [16, 16, 3, 3], null, y, 1, 1, 1, 1, true, new Float32Array(16).fill(1));
      out.bytes = k.poolStats().weightCacheBytes;`, 'FTMTLNET_WEIGHT_CACHE_MB', value);
  t.ok((run('64').bytes ?? 0) > 0, 'FTMTLNET_WEIGHT_CACHE_MB=64 keeps them');
  t.same(run('0'), { error: null, bytes: 0 }, 'FTMTLNET_WEIGHT_CACHE_MB=0 keeps none');
  t.match(run('lots').error, /Expected a number of megabytes >= 0 for FTMTLNET_WEIGHT_CACHE_MB but received lots/, 'a bad value is refused by name');
  // A cache of 0.2 MB: six weight sets of 37 KB each (36 packed 16 x 16 points and the weights'
  // block hash) do not all fit; the ones in use stay, the rest run per call, and every output is right.
  const full = inChild<{ bytes?: number[]; centre?: number[]; error: string | null }>(t, `
      k.setConvAlgorithm('wino4');
      out.bytes = []; out.centre = [];
      const x = new Float32Array(16 * 16 * 16).fill(1), y = new Float32Array(16 * 16 * 16);
      for (let round = 0; round < 2; round++)
        for (let i = 1; i <= 6; i++) {
          const w = new Float32Array(16 * 16 * 9).fill(i / 64);
          k.conv2dForward(x, [1, 16, 16, 16], w, [16, 16, 3, 3], null, y, 1, 1, 1, 1, true, new Float32Array(16).fill(1));
          out.bytes.push(k.poolStats().weightCacheBytes);
          out.centre.push(y[8 * 16 + 8]);
        }`, 'FTMTLNET_WEIGHT_CACHE_MB', '0.2');
  t.equal(full.error, null);
  t.ok(full.bytes!.every((b) => b > 0 && b <= 0.2 * 2 ** 20), `the cache stays within its limit (${full.bytes!.join(', ')} bytes)`);
  t.same(full.centre, [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6].map((i) => 144 * i / 64), 'each weight set gives its own output, kept or not');
  t.end();
});
