// FTMTLNet: a shared stem, then the segmentation, detection and classification branches with
// feature transfer between them (transfer 'full'), or run in parallel (transfer 'none'). The
// class holds the modules and forward(); checkpoints (lib/train/model-checkpoint.ts:
// saveModel, loadModel), worker prediction (lib/model/predictor.ts: predictImage) and ONNX
// (lib/onnx: exportOnnx, importOnnx) are functions over it.
import { Tensor } from '../tensor';
import { Module } from '../nn/module';
import { ConvBnRelu } from '../nn/blocks';
import { seededRng } from '../nn/init';
import { releaseTemporary } from '../nn/temporaries';
import { describe, fail } from '../errors';
import { expectTensor } from '../ops/check';
import { FTMTLNetConfig, FTMTLNetOptions, resolveConfig } from './config';
import { ClassificationBranch, DetectionBranch, SegmentationBranch, down } from './branches';
import { ModelSummary, summarize } from './summary';

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

  protected constructor(config: FTMTLNetConfig) {
    super();
    this.config = config;
    const { arch, transfer, headStride, numClasses, seed } = config;
    const rng = seededRng(seed);
    this.stem = this.registerModule('stem', new ConvBnRelu(1, arch.stem, { stride: 2, rng }));
    this.seg = this.registerModule('seg', new SegmentationBranch(arch, rng));
    this.det = this.registerModule('det', new DetectionBranch(arch, transfer, headStride, rng));
    this.cls = this.registerModule('cls', new ClassificationBranch(arch, transfer, numClasses, rng, seed + 1, config.classifierPool));
  }

  // A new model with seeded (deterministic) Kaiming initialisation, from options or from a
  // stored config (checkpoints, ONNX import: weights still to be loaded); both resolve the same way.
  static create(options: FTMTLNetOptions | FTMTLNetConfig = {}): FTMTLNet {
    return new FTMTLNet(resolveConfig(options));
  }

  // The same as create(): the name reads better where a stored config is rebuilt.
  static fromConfig(config: FTMTLNetConfig | FTMTLNetOptions): FTMTLNet {
    return FTMTLNet.create(config);
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
    // The three branches start from the same pooled stem: pooled once, not once per branch.
    const pooledStem = down(stem);
    const seg = this.seg.encoder.forward(pooledStem);
    const det = this.det.forward(pooledStem, seg);
    const head = this.det.head.forward(this.config.headStride === 4 ? det[0] : det[1]);
    const clsFeatures = this.cls.forward(pooledStem, seg, det);
    const class_logits = this.cls.logits(clsFeatures);
    const mask_logits = this.seg.decoder.forward(stem, seg);
    const outputs = { class_logits, heatmap: head.heatmap, size: head.size, offset: head.offset, mask_logits };
    // Inference: the shared features die here (no-ops with a tape or a tracer).
    for (const t of [stem, pooledStem, ...seg, ...det, clsFeatures]) releaseTemporary(t, x, ...Object.values(outputs));
    return outputs;
  }

  // Parameter count and FLOPs per image, per branch.
  summary(imageSize = this.config.imageSize): ModelSummary {
    return summarize(this, imageSize);
  }
}
