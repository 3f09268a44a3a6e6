// FTMTLNet: a shared stem, then the segmentation, detection and classification branches with
// feature transfer between them (transfer 'full'), or run in parallel (transfer 'none').
import { Tensor } from '../tensor';
import { Module } from '../nn/module';
import { ConvBnRelu } from '../nn/blocks';
import { seededRng } from '../nn/init';
import { releaseTemporary } from '../nn/inference';
import { describe, fail } from '../errors';
import { expectTensor } from '../ops/check';
import { FTMTLNetConfig, FTMTLNetOptions, resolveConfig } from './config';
import { ClassificationBranch, DetectionBranch, SegmentationBranch } from './branches';
import { ModelSummary, summarize } from './summary';
import { readCheckpoint, writeCheckpoint } from '../train/checkpoint';
import { Predictor } from './predictor';
import type { Prediction, PredictOptions } from './predict-run';
import type { PredictInput } from './predict-input';

// The raw head tensors (also the ONNX output names).
export interface FTMTLNetOutputs {
  class_logits: Tensor;   // (N, K)
  heatmap: Tensor;        // (N, 1, S/h, S/h) logits (apply sigmoid for scores), h = headStride
  size: Tensor;           // (N, 2, S/h, S/h) box width, height in head cells
  offset: Tensor;         // (N, 2, S/h, S/h) sub-cell centre offset x, y in head cells
  mask_logits: Tensor;    // (N, 1, S, S)
}

export const OUTPUT_NAMES = ['class_logits', 'heatmap', 'size', 'offset', 'mask_logits'] as const;

export class FTMTLNet extends Module {
  readonly config: FTMTLNetConfig;
  readonly stem: ConvBnRelu;
  readonly seg: SegmentationBranch;
  readonly det: DetectionBranch;
  readonly cls: ClassificationBranch;
  private predictor: Predictor | null = null;

  protected constructor(config: FTMTLNetConfig) {
    super();
    this.config = config;
    const { arch, transfer, headStride, numClasses, seed } = config;
    const rng = seededRng(seed);
    this.stem = this.registerModule('stem', new ConvBnRelu(1, arch.stem, { stride: 2, rng }));
    this.seg = this.registerModule('seg', new SegmentationBranch(arch, rng));
    this.det = this.registerModule('det', new DetectionBranch(arch, transfer, headStride, rng));
    this.cls = this.registerModule('cls', new ClassificationBranch(arch, transfer, numClasses, rng, seed + 1));
  }

  // A new model with seeded (deterministic) Kaiming initialisation.
  static create(options: FTMTLNetOptions = {}): FTMTLNet {
    return new FTMTLNet(resolveConfig(options));
  }

  // A model of a stored config (checkpoints, ONNX import); weights still to be loaded.
  static fromConfig(config: FTMTLNetConfig | FTMTLNetOptions): FTMTLNet {
    return new FTMTLNet(resolveConfig(config));
  }

  get classNames(): string[] {
    return this.config.classNames;
  }

  // x: (N, 1, H, W), values in [0, 1], H and W multiples of 32 (normally H = W = imageSize).
  forward(x: Tensor): FTMTLNetOutputs {
    expectTensor(x, 'x');
    if (x.shape.length !== 4 || x.shape[1] !== 1) {
      fail('range', 'a tensor of shape (N, 1, H, W)', 'x', describe(x));
    }
    if (x.shape[2] % 32 !== 0 || x.shape[3] % 32 !== 0) {
      fail('range', 'height and width that are multiples of 32', 'x', describe(x));
    }
    const stem = this.stem.forward(x);
    const seg = this.seg.encoder.forward(stem);
    const det = this.det.forward(stem, seg);
    const head = this.det.head.forward(this.config.headStride === 4 ? det[0] : det[1]);
    const clsFeatures = this.cls.forward(stem, seg, det);
    const class_logits = this.cls.logits(clsFeatures);
    const mask_logits = this.seg.decoder.forward(stem, seg);
    const outputs = { class_logits, heatmap: head.heatmap, size: head.size, offset: head.offset, mask_logits };
    // Inference: the shared features die here (no-ops with a tape or a tracer).
    for (const t of [stem, ...seg, ...det, clsFeatures]) releaseTemporary(t, x, ...Object.values(outputs));
    return outputs;
  }

  // Writes dir/config.json and dir/weights.safetensors (atomically; creates dir).
  async save(dir: string, metadata: Record<string, string> = {}): Promise<void> {
    await writeCheckpoint(dir, this.config, this.stateDict(), metadata);
  }

  // Reads a checkpoint folder written by save(); throws naming the file and tensor when the
  // weights are truncated, corrupt or do not match the config.
  static async load(dir: string): Promise<FTMTLNet> {
    const ck = await readCheckpoint<FTMTLNetConfig>(dir);
    let model: FTMTLNet;
    try {
      model = FTMTLNet.fromConfig(ck.config);
    } catch (e) {
      throw new Error(`${ck.configFile} is not a valid FTMTLNet config: ${(e as Error).message}`);
    }
    model.loadStateDict(ck.weights, { strict: true, source: ck.weightsFile });
    return model.eval();
  }

  // Classifies, detects and segments one image (Float32Array, ndarray, { width, height, data },
  // PNG/PGM/DICOM Buffer, or a file path), in a worker thread: the event loop is never blocked by
  // the forward pass. Results are in the input image's pixel frame. The worker holds a copy of
  // the weights; it gets a fresh copy when the weights have changed.
  async predict(image: PredictInput, options: PredictOptions = {}): Promise<Prediction> {
    this.predictor ??= new Predictor(this);
    return this.predictor.predict(image, options);
  }

  // Stops the predict worker (a later predict() starts a new one).
  async closePredictor(): Promise<void> {
    const p = this.predictor;
    this.predictor = null;
    if (p) await p.close();
  }

  // Writes one ONNX graph (standard operators, weights as initializers, every head a named
  // output, config and class names in metadata_props). Eval-mode semantics.
  async exportOnnx(file: string, options: { opset?: number; dynamicBatch?: boolean } = {}): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { exportOnnx } = require('../onnx/export') as typeof import('../onnx/export');
    await exportOnnx(this, file, options);
  }

  // Reads a graph written by exportOnnx back into a model (the ONNX file as portable form).
  static async fromOnnx(file: string): Promise<FTMTLNet> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { modelFromOnnx } = require('../onnx/import') as typeof import('../onnx/import');
    const model = await modelFromOnnx(file, (config) => FTMTLNet.fromConfig(config as unknown as FTMTLNetConfig));
    return model.eval();
  }

  // Parameter count and FLOPs per image, per branch.
  summary(imageSize = this.config.imageSize): ModelSummary {
    return summarize(this, imageSize);
  }
}
