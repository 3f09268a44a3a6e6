// FTMTLNet configuration: presets (widths and depth), validation, and the resolved config
// stored in a checkpoint's config.json.
import { describe, fail } from '../errors';
import type { PreprocessOptions } from '../data/preprocess';

// How predict() maps an input image to S x S: null = a plain bilinear resize of the whole image;
// otherwise lib/data/preprocess (breast crop, flip, letterbox, normalisation) with these options,
// which should be the ones the model was trained with.
export type PredictPreprocess = Omit<PreprocessOptions, 'size'> | null;

export type Preset = 'xs' | 's' | 'm' | 'l';
export type Transfer = 'full' | 'none';
// How the classifier pools cls_4 before the linear layer: 'avg' (global average, the original),
// 'max' (global max) or 'avgmax' (both, concatenated: twice the features). A lesion covers about
// 1% of a mammogram, so an average over the whole breast dilutes it; the maximum keeps it.
export type ClassifierPool = 'avg' | 'max' | 'avgmax';
// Test-time augmentation of predictions: 'none', or 'flips': the network also sees the image
// flipped vertically, horizontally and both, and the outputs, flipped back, are averaged
// (lib/model/test-time-flips.ts). Four forward passes per image instead of one.
export type TestTimeAugmentation = 'none' | 'flips';
export const TTA_MODES: readonly TestTimeAugmentation[] = ['none', 'flips'];

// Channel widths and depth of every stage (the resolved form of a preset).
export interface Architecture {
  stem: number;                 // stem conv3x3 s2 (stride 2)
  seg: [number, number, number, number];   // encoder seg_1..seg_4 (strides 4, 8, 16, 32)
  det: [number, number];        // det_1, det_2 (strides 4, 8)
  cls: [number, number, number, number];   // cls_1..cls_4 (strides 4, 8, 16, 32)
  depth: number;                // conv3x3-BN-ReLU layers after each FT block (det, cls, decoder)
  headWidth: number;            // hidden width of the CenterNet heads
  dropout: number;              // before the classifier
}

export const PRESETS: Readonly<Record<Preset, Architecture>> = Object.freeze({
  xs: { stem: 8, seg: [8, 16, 32, 48], det: [16, 32], cls: [16, 32, 48, 64], depth: 1, headWidth: 32, dropout: 0.2 },
  s: { stem: 16, seg: [16, 32, 64, 96], det: [32, 64], cls: [32, 64, 96, 128], depth: 1, headWidth: 64, dropout: 0.2 },
  m: { stem: 32, seg: [32, 64, 128, 192], det: [64, 96], cls: [64, 128, 192, 256], depth: 2, headWidth: 96, dropout: 0.3 },
  l: { stem: 32, seg: [64, 128, 256, 384], det: [96, 192], cls: [96, 192, 384, 512], depth: 2, headWidth: 128, dropout: 0.3 },
}) as Record<Preset, Architecture>;

export interface FTMTLNetOptions {
  preset?: Preset;
  imageSize?: number;           // S: the model's input is (N,1,S,S), S a multiple of 32
  numClasses?: number;
  classNames?: string[];
  transfer?: Transfer;
  headStride?: 4 | 8;
  classifierPool?: ClassifierPool;   // default 'avg'
  seed?: number;
  arch?: Partial<Architecture>; // overrides of the preset's widths
  preprocess?: PredictPreprocess;
  classPrior?: number[] | null;
  tta?: TestTimeAugmentation;   // default 'none'
}

export interface FTMTLNetConfig {
  format: 'ftmtlnet-config';
  version: 1;
  preset: Preset;
  imageSize: number;
  numClasses: number;
  classNames: string[];
  transfer: Transfer;
  headStride: 4 | 8;
  classifierPool: ClassifierPool;
  seed: number;
  arch: Architecture;
  input: { channels: 1; range: [0, 1] };   // images are single-channel, values in [0, 1]
  preprocess: PredictPreprocess;
  // The class shares of the training images when training drew the classes evenly (balanced
  // sampling): the network then learns even odds, and decoding adds log(prior) to its logits
  // to give probabilities for the real class mix (logit adjustment). null: probabilities are
  // softmax(logits) as they are.
  classPrior: number[] | null;
  // How predictions run the network (absent in configs written before it existed: 'none').
  tta: TestTimeAugmentation;
}

export function defaultClassNames(k: number): string[] {
  if (k === 3) return ['normal', 'benign', 'malignant'];
  if (k === 2) return ['benign', 'malignant'];
  return Array.from({ length: k }, (_, i) => `class_${i}`);
}

// Upper bounds of a config: a hand-edited or corrupt config.json must fail with a message,
// not allocate until the machine runs out of memory (arch.depth 1e6) or overflow a typed array.
export const CONFIG_BOUNDS = Object.freeze({
  imageSize: 8192,          // full-field mammograms are ~4096 x 3328
  width: 4096,              // channels of any stage or head
  depth: 16,
  numClasses: 1000,
  parameters: 250_000_000,  // 1 GB of float32 weights (the 'l' preset has about 12 M)
});

function positiveInt(v: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail('range', 'a positive integer', name, describe(v));
  if (v > max) fail('range', `a positive integer of at most ${max}`, name, describe(v));
  return v;
}

function widths(v: unknown, n: number, name: string): number[] {
  if (!Array.isArray(v) || v.length !== n) fail('type', `an array of ${n} positive integers`, name, describe(v));
  return v.map((w, i) => positiveInt(w, `${name}[${i}]`, CONFIG_BOUNDS.width));
}

// A key's value, the default only when the key is absent: null is an error, not "use the default".
function given<T>(o: object, key: string, fallback: T): unknown {
  const v = (o as Record<string, unknown>)[key];
  if (v === null && key !== 'preprocess' && key !== 'classPrior') fail('type', `a value (or no "${key}" key for the default)`, key, 'null');
  return v === undefined ? fallback : v;
}

// The trainable parameters of a config (conv and linear weights, biases, BN scale and shift),
// computed without building the model: checked against CONFIG_BOUNDS.parameters first.
export function countParameters(arch: Architecture, transfer: Transfer, headStride: 4 | 8, numClasses: number, classifierPool: ClassifierPool = 'avg'): number {
  const conv = (cin: number, cout: number, k = 3, bias = false) => cin * cout * k * k + (bias ? cout : 0);
  const convBnRelu = (cin: number, cout: number) => conv(cin, cout) + 2 * cout;
  const stage = (sources: number[], out: number) => convBnRelu(sources.reduce((a, b) => a + b, 0), out) + arch.depth * convBnRelu(out, out);
  let n = convBnRelu(1, arch.stem);
  let cin = arch.stem;
  for (const w of arch.seg) { n += convBnRelu(cin, w) + convBnRelu(w, w); cin = w; }
  const skips = [arch.stem, ...arch.seg.slice(0, 3)];
  cin = arch.seg[3];
  for (let k = 3; k >= 0; k--) { n += stage([cin, skips[k]], skips[k]); cin = skips[k]; }
  n += conv(arch.stem, 1, 1, true);
  cin = arch.stem;
  arch.det.forEach((w, k) => { n += stage(transfer === 'full' ? [cin, arch.seg[k]] : [cin], w); cin = w; });
  const headIn = headStride === 4 ? arch.det[0] : arch.det[1];
  for (const cout of [1, 2, 2]) n += conv(headIn, arch.headWidth, 3, true) + conv(arch.headWidth, cout, 1, true);
  cin = arch.stem;
  arch.cls.forEach((w, k) => {
    const sources = [cin];
    if (transfer === 'full') { sources.push(arch.seg[k]); if (k < arch.det.length) sources.push(arch.det[k]); }
    n += stage(sources, w);
    cin = w;
  });
  return n + arch.cls[3] * (classifierPool === 'avgmax' ? 2 : 1) * numClasses + numClasses;
}

// null, or numClasses positive shares (normalised to sum to 1).
function classPriorOf(v: unknown, numClasses: number): number[] | null {
  if (v === null) return null;
  if (!Array.isArray(v) || v.length !== numClasses || v.some((p) => typeof p !== 'number' || !Number.isFinite(p) || p <= 0)) {
    fail('type', `null or an array of ${numClasses} positive numbers (one share per class)`, 'classPrior', describe(v));
  }
  const sum = (v as number[]).reduce((a, b) => a + b, 0);
  return (v as number[]).map((p) => p / sum);
}

// Resolves options (or a stored config) into a full, validated config.
export function resolveConfig(options: FTMTLNetOptions | FTMTLNetConfig = {}): FTMTLNetConfig {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) fail('type', 'an options object', 'options', describe(options));
  const format = given(options, 'format', 'ftmtlnet-config');
  if (format !== 'ftmtlnet-config') fail('type', '"ftmtlnet-config" (or no format)', 'format', describe(format));
  const version = given(options, 'version', 1);
  if (version !== 1) fail('range', 'version 1 (this ftmtlnet reads config version 1 only)', 'version', describe(version));
  const preset = given(options, 'preset', 'xs') as string;
  if (typeof preset !== 'string' || !Object.prototype.hasOwnProperty.call(PRESETS, preset)) fail('type', 'one of "xs", "s", "m", "l"', 'preset', describe(preset));
  const imageSize = positiveInt(given(options, 'imageSize', 128), 'imageSize', CONFIG_BOUNDS.imageSize);
  if (imageSize % 32 !== 0) fail('range', 'a multiple of 32', 'imageSize', String(imageSize));
  const classNames = given(options, 'classNames', defaultClassNames(positiveInt(given(options, 'numClasses', 3), 'numClasses', CONFIG_BOUNDS.numClasses))) as string[];
  if (!Array.isArray(classNames) || classNames.some((c) => typeof c !== 'string')) {
    fail('type', 'an array of strings', 'classNames', describe(classNames));
  }
  const numClasses = positiveInt(given(options, 'numClasses', classNames.length), 'numClasses', CONFIG_BOUNDS.numClasses);
  if (numClasses < 2) fail('range', 'at least 2', 'numClasses', String(numClasses));
  if (classNames.length !== numClasses) {
    fail('range', `${numClasses} class names (numClasses)`, 'classNames', `${classNames.length} names`);
  }
  const transfer = given(options, 'transfer', 'full') as Transfer;
  if (transfer !== 'full' && transfer !== 'none') fail('type', 'one of "full", "none"', 'transfer', describe(transfer));
  const headStride = given(options, 'headStride', 8) as 4 | 8;
  if (headStride !== 4 && headStride !== 8) fail('type', 'one of 4, 8', 'headStride', describe(headStride));
  const classifierPool = given(options, 'classifierPool', 'avg') as ClassifierPool;
  if (!['avg', 'max', 'avgmax'].includes(classifierPool)) fail('type', 'one of "avg", "max", "avgmax"', 'classifierPool', describe(classifierPool));
  const seed = given(options, 'seed', 0) as number;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) fail('type', 'an integer', 'seed', describe(seed));
  const archGiven = given(options, 'arch', {});
  if (typeof archGiven !== 'object' || Array.isArray(archGiven)) fail('type', 'an object of architecture overrides', 'arch', describe(archGiven));
  const a = { ...PRESETS[preset as Preset], ...(archGiven as Partial<Architecture>) };
  const arch: Architecture = {
    stem: positiveInt(a.stem, 'arch.stem', CONFIG_BOUNDS.width),
    seg: widths(a.seg, 4, 'arch.seg') as Architecture['seg'],
    det: widths(a.det, 2, 'arch.det') as Architecture['det'],
    cls: widths(a.cls, 4, 'arch.cls') as Architecture['cls'],
    depth: positiveInt(a.depth, 'arch.depth', CONFIG_BOUNDS.depth),
    headWidth: positiveInt(a.headWidth, 'arch.headWidth', CONFIG_BOUNDS.width),
    dropout: a.dropout,
  };
  if (typeof arch.dropout !== 'number' || !(arch.dropout >= 0 && arch.dropout < 1)) {
    fail('range', 'a number from 0 to 1 (exclusive)', 'arch.dropout', describe(arch.dropout));
  }
  const parameters = countParameters(arch, transfer, headStride, numClasses, classifierPool);
  if (parameters > CONFIG_BOUNDS.parameters) {
    fail('range', `an architecture of at most ${CONFIG_BOUNDS.parameters} parameters`, 'arch', `one of ${parameters} parameters (${JSON.stringify(arch)})`);
  }
  const tta = given(options, 'tta', 'none') as TestTimeAugmentation;
  if (!TTA_MODES.includes(tta)) fail('type', `one of ${TTA_MODES.map((m) => `"${m}"`).join(', ')}`, 'tta', describe(tta));
  const preprocess = given(options, 'preprocess', null);
  if (preprocess !== null && (typeof preprocess !== 'object' || Array.isArray(preprocess))) {
    fail('type', 'null or a preprocess options object', 'preprocess', describe(preprocess));
  }
  return {
    format: 'ftmtlnet-config',
    version: 1,
    preset: preset as Preset,
    imageSize,
    numClasses,
    classNames: [...classNames],
    transfer,
    headStride,
    classifierPool,
    seed,
    arch,
    input: { channels: 1, range: [0, 1] },
    preprocess: preprocess ? { ...preprocess } : null,
    classPrior: classPriorOf(given(options, 'classPrior', null), numClasses),
    tta,
  };
}
