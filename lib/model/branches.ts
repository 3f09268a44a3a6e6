// The three task branches of FTMTLNet (see DESIGN.md, "The model"). With transfer 'full'
// the detection stages receive the segmentation features of the same scale, and the
// classification stages receive both; with 'none' every branch sees only its own features.
import { Tensor } from '../tensor';
import * as ops from '../ops/index';
import { Module } from '../nn/module';
import { Conv2d, Dropout, Layer, Linear, ReLU, Sequential } from '../nn/layers';
import { ConvBnRelu, FeatureTransfer } from '../nn/blocks';
import { Rng } from '../nn/init';
import { releaseTemporary } from '../nn/temporaries';
import type { Architecture, ClassifierPool, Transfer } from './config';

// The 2x2 max-pool between stages. The stem's is computed once and shared by the three
// branches (FTMTLNet.forward): their first stages all start from down(stem).
export function down(x: Tensor): Tensor {
  return ops.maxPool2d(x, { kernelSize: 2, stride: 2, padding: 0 });
}

function up(x: Tensor): Tensor {
  return ops.upsample2d(x, { scaleFactor: 2, mode: 'nearest' });
}

function convStack(cin: number, cout: number, n: number, rng: Rng): Sequential {
  const layers: Layer[] = [];
  for (let i = 0; i < n; i++) layers.push(new ConvBnRelu(i === 0 ? cin : cout, cout, { rng }));
  return new Sequential(...layers);
}

// The sources of a task stage's FT block, in order: the branch's own previous stage, then with
// transfer 'full' the task-to-task transfers of the same scale: the segmentation features (det
// and cls stages) and the detection features (cls stages, where det_k exists). The same function
// gives the channel widths in the constructors and the tensors in forward, so they cannot drift.
export function stageSources<T>(branch: 'det' | 'cls', transfer: Transfer, k: number, own: T, seg: readonly T[], det: readonly T[]): T[] {
  if (transfer === 'none') return [own];
  if (branch === 'det') return [own, seg[k]];
  return k < det.length ? [own, seg[k], det[k]] : [own, seg[k]];
}

// A stage: FT over its sources, then `depth` conv3x3-BN-ReLU.
class TransferStage extends Module {
  readonly ft: FeatureTransfer;
  readonly body: Sequential;

  constructor(sources: number[], out: number, depth: number, rng: Rng) {
    super();
    this.ft = this.registerModule('ft', new FeatureTransfer(sources, out, { rng }));
    this.body = this.registerModule('body', convStack(out, out, depth, rng));
  }

  forward(xs: Tensor[]): Tensor {
    const f = this.ft.forward(xs);
    const y = this.body.forward(f);
    releaseTemporary(f, y, ...xs);
    return y;
  }
}

// U-Net encoder on the stem output: seg_k = [conv3x3-BN-ReLU] x2 (maxpool2(seg_{k-1})).
export class SegmentationEncoder extends Module {
  readonly stages: Sequential[];

  constructor(arch: Architecture, rng: Rng) {
    super();
    let cin = arch.stem;
    this.stages = arch.seg.map((w, k) => {
      const s = this.registerModule(`stage${k + 1}`, convStack(cin, w, 2, rng));
      cin = w;
      return s;
    });
  }

  // pooledStem = down(stem): (N, stem, H/4, W/4) -> [seg_1 (H/4), seg_2 (H/8), seg_3 (H/16), seg_4 (H/32)]
  forward(pooledStem: Tensor): Tensor[] {
    const out: Tensor[] = [];
    let x = pooledStem;
    this.stages.forEach((s, k) => {
      const d = k === 0 ? pooledStem : down(x);
      x = s.forward(d);
      if (k > 0) releaseTemporary(d, x);
      out.push(x);
    });
    return out;
  }
}

// U-Net decoder: upsample x2 -> FT(up, skip) -> conv3x3-BN-ReLU ... down to stride 2, then a
// 1x1 conv to one logit channel and a bilinear x2 upsample to the input resolution. Its FT
// blocks are U-Net skip joins within the segmentation branch (with any transfer mode), not
// task-to-task transfers.
export class SegmentationDecoder extends Module {
  readonly stages: TransferStage[];
  readonly out: Conv2d;

  constructor(arch: Architecture, rng: Rng) {
    super();
    const skips = [arch.stem, ...arch.seg.slice(0, 3)];   // stride 2, 4, 8, 16
    let cin = arch.seg[3];
    this.stages = [];
    for (let k = 3; k >= 0; k--) {
      this.stages.push(this.registerModule(`stage${k}`, new TransferStage([cin, skips[k]], skips[k], arch.depth, rng)));
      cin = skips[k];
    }
    this.out = this.registerModule('out', new Conv2d(arch.stem, 1, 1, { rng, initGain: 1 }));
  }

  // -> mask logits (N, 1, H, W)
  forward(stem: Tensor, seg: Tensor[]): Tensor {
    const skips = [stem, ...seg.slice(0, 3)];
    let x = seg[3];
    this.stages.forEach((stage, i) => {
      const u = up(x);
      if (i > 0) releaseTemporary(x, u);
      x = stage.forward([u, skips[3 - i]]);
      releaseTemporary(u, x);
    });
    const logits = this.out.forward(x);
    releaseTemporary(x, logits, seg[3]);
    const mask = ops.upsample2d(logits, { scaleFactor: 2, mode: 'bilinear' });
    releaseTemporary(logits, mask);
    return mask;
  }
}

// The segmentation branch: encoder and decoder.
export class SegmentationBranch extends Module {
  readonly encoder: SegmentationEncoder;
  readonly decoder: SegmentationDecoder;

  constructor(arch: Architecture, rng: Rng) {
    super();
    this.encoder = this.registerModule('encoder', new SegmentationEncoder(arch, rng));
    this.decoder = this.registerModule('decoder', new SegmentationDecoder(arch, rng));
  }
}

// det_k = block(FT(down(det_{k-1}), seg_k)) at strides 4 and 8, det_0 = the stem output.
export class DetectionBranch extends Module {
  readonly stages: TransferStage[];
  readonly head: CenterNetHead;

  constructor(arch: Architecture, readonly transfer: Transfer, readonly headStride: 4 | 8, rng: Rng) {
    super();
    let cin = arch.stem;
    this.stages = arch.det.map((w, k) => {
      const sources = stageSources('det', transfer, k, cin, arch.seg, arch.det);
      const s = this.registerModule(`stage${k + 1}`, new TransferStage(sources, w, arch.depth, rng));
      cin = w;
      return s;
    });
    const headIn = headStride === 4 ? arch.det[0] : arch.det[1];
    this.head = this.registerModule('head', new CenterNetHead(headIn, arch.headWidth, rng));
  }

  // pooledStem = down(stem) -> [det_1 (H/4), det_2 (H/8)]
  forward(pooledStem: Tensor, seg: Tensor[]): Tensor[] {
    const out: Tensor[] = [];
    let x = pooledStem;
    this.stages.forEach((stage, k) => {
      const d = k === 0 ? pooledStem : down(x);
      x = stage.forward(stageSources('det', this.transfer, k, d, seg, []));
      if (k > 0) releaseTemporary(d, x);
      out.push(x);
    });
    return out;
  }
}

// CenterNet head: heatmap logits (1 ch), box size (2 ch: w, h in head cells), centre offset (2 ch).
export class CenterNetHead extends Module {
  readonly heatmap: Sequential;
  readonly size: Sequential;
  readonly offset: Sequential;

  constructor(cin: number, hidden: number, rng: Rng) {
    super();
    const head = (cout: number, biasInit: number) => {
      const hiddenConv = new Conv2d(cin, hidden, 3, { padding: 1, rng });
      const outConv = new Conv2d(hidden, cout, 1, { rng, initGain: 0.1 });
      outConv.bias!.data.fill(biasInit);
      return new Sequential(hiddenConv, new ReLU(), outConv);
    };
    // Focal-loss prior: sigmoid(-2.19) = 0.1 (CenterNet).
    this.heatmap = this.registerModule('heatmap', head(1, -2.19));
    this.size = this.registerModule('size', head(2, 0));
    this.offset = this.registerModule('offset', head(2, 0));
  }

  forward(x: Tensor): { heatmap: Tensor; size: Tensor; offset: Tensor } {
    return { heatmap: this.heatmap.forward(x), size: this.size.forward(x), offset: this.offset.forward(x) };
  }
}

// cls_k = block(FT(down(cls_{k-1}), seg_k, det_k)) at strides 4..32 (det only where it exists).
export class ClassificationBranch extends Module {
  readonly stages: TransferStage[];
  readonly dropout: Dropout;
  readonly fc: Linear;

  constructor(arch: Architecture, readonly transfer: Transfer, numClasses: number, rng: Rng, seed: number, readonly pool: ClassifierPool = 'avg') {
    super();
    let cin = arch.stem;
    this.stages = arch.cls.map((w, k) => {
      const sources = stageSources('cls', transfer, k, cin, arch.seg, arch.det);
      const s = this.registerModule(`stage${k + 1}`, new TransferStage(sources, w, arch.depth, rng));
      cin = w;
      return s;
    });
    this.dropout = this.registerModule('dropout', new Dropout(arch.dropout, seed));
    this.fc = this.registerModule('fc', new Linear(arch.cls[3] * (pool === 'avgmax' ? 2 : 1), numClasses, { rng, initStd: 0.01 }));
  }

  // cls_4 -> global average and/or max pool -> dropout -> linear -> class logits (N, K)
  logits(features: Tensor): Tensor {
    const [, c, h, w] = features.shape;
    const avg = (): Tensor => ops.globalAvgPool2d(features);
    const max = (): Tensor => ops.maxPool2d(features, { kernelSize: [h, w] });
    let pooled: Tensor;
    if (this.pool === 'avgmax') {
      const a = avg();
      const m = max();
      pooled = ops.concat([a, m], 1);
      releaseTemporary(a);
      releaseTemporary(m);
    } else {
      pooled = this.pool === 'avg' ? avg() : max();
    }
    const flat = ops.reshape(pooled, [-1, c * (this.pool === 'avgmax' ? 2 : 1)]);
    const dropped = this.dropout.forward(flat);
    const logits = this.fc.forward(dropped);
    // In inference the pooled features are freed here (a reshape is a view: its buffer goes back
    // when both are disposed); left to the collector, a loop that never yields kept them.
    releaseTemporary(dropped, logits);
    releaseTemporary(flat, logits);
    releaseTemporary(pooled, logits);
    return logits;
  }

  // pooledStem = down(stem) -> cls_4 (N, cls[3], H/32, W/32)
  forward(pooledStem: Tensor, seg: Tensor[], det: Tensor[]): Tensor {
    let x = pooledStem;
    this.stages.forEach((stage, k) => {
      const d = k === 0 ? pooledStem : down(x);
      if (k > 0) releaseTemporary(x, d);
      x = stage.forward(stageSources('cls', this.transfer, k, d, seg, det));
      if (k > 0) releaseTemporary(d, x);
    });
    return x;
  }
}
