// FTMTLNet configuration: presets (widths and depth), validation, and the resolved config
// stored in a checkpoint's config.json.
import { describe, fail } from '../ops/validate';
import type { PreprocessOptions } from '../data/preprocess';

// How predict() maps an input image to S x S: null = a plain bilinear resize of the whole image;
// otherwise lib/data/preprocess (breast crop, flip, letterbox, normalisation) with these options,
// which should be the ones the model was trained with.
export type PredictPreprocess = Omit<PreprocessOptions, 'size'> | null;

export type Preset = 'xs' | 's' | 'm' | 'l';
export type Transfer = 'full' | 'none';

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
  seed?: number;
  arch?: Partial<Architecture>; // overrides of the preset's widths
  preprocess?: PredictPreprocess;
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
  seed: number;
  arch: Architecture;
  input: { channels: 1; range: [0, 1] };   // images are single-channel, values in [0, 1]
  preprocess: PredictPreprocess;
}

export function defaultClassNames(k: number): string[] {
  if (k === 3) return ['normal', 'benign', 'malignant'];
  if (k === 2) return ['benign', 'malignant'];
  return Array.from({ length: k }, (_, i) => `class_${i}`);
}

function positiveInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail('range', 'a positive integer', name, describe(v));
  return v;
}

function widths(v: unknown, n: number, name: string): number[] {
  if (!Array.isArray(v) || v.length !== n) fail('type', `an array of ${n} positive integers`, name, describe(v));
  return v.map((w, i) => positiveInt(w, `${name}[${i}]`));
}

// Resolves options (or a stored config) into a full, validated config.
export function resolveConfig(options: FTMTLNetOptions | FTMTLNetConfig = {}): FTMTLNetConfig {
  if (options === null || typeof options !== 'object') fail('type', 'an options object', 'options', describe(options));
  const preset = options.preset ?? 'xs';
  if (!(preset in PRESETS)) fail('type', 'one of "xs", "s", "m", "l"', 'preset', describe(preset));
  const imageSize = positiveInt(options.imageSize ?? 128, 'imageSize');
  if (imageSize % 32 !== 0) fail('range', 'a multiple of 32', 'imageSize', String(imageSize));
  const classNames = options.classNames ?? defaultClassNames(options.numClasses ?? 3);
  if (!Array.isArray(classNames) || classNames.some((c) => typeof c !== 'string')) {
    fail('type', 'an array of strings', 'classNames', describe(classNames));
  }
  const numClasses = positiveInt(options.numClasses ?? classNames.length, 'numClasses');
  if (numClasses < 2) fail('range', 'at least 2', 'numClasses', String(numClasses));
  if (classNames.length !== numClasses) {
    fail('range', `${numClasses} class names (numClasses)`, 'classNames', `${classNames.length} names`);
  }
  const transfer = options.transfer ?? 'full';
  if (transfer !== 'full' && transfer !== 'none') fail('type', 'one of "full", "none"', 'transfer', describe(transfer));
  const headStride = options.headStride ?? 8;
  if (headStride !== 4 && headStride !== 8) fail('type', 'one of 4, 8', 'headStride', describe(headStride));
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) fail('type', 'an integer', 'seed', describe(seed));
  const a = { ...PRESETS[preset as Preset], ...(options.arch ?? {}) };
  const arch: Architecture = {
    stem: positiveInt(a.stem, 'arch.stem'),
    seg: widths(a.seg, 4, 'arch.seg') as Architecture['seg'],
    det: widths(a.det, 2, 'arch.det') as Architecture['det'],
    cls: widths(a.cls, 4, 'arch.cls') as Architecture['cls'],
    depth: positiveInt(a.depth, 'arch.depth'),
    headWidth: positiveInt(a.headWidth, 'arch.headWidth'),
    dropout: a.dropout,
  };
  if (typeof arch.dropout !== 'number' || !(arch.dropout >= 0 && arch.dropout < 1)) {
    fail('range', 'a number from 0 to 1 (exclusive)', 'arch.dropout', describe(arch.dropout));
  }
  const preprocess = options.preprocess ?? null;
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
    seed,
    arch,
    input: { channels: 1, range: [0, 1] },
    preprocess: preprocess ? { ...preprocess } : null,
  };
}
