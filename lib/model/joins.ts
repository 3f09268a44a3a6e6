// Which featureTransfer blocks of a model are task-to-task transfers (a detection or
// classification stage that also reads another branch's features) and which are U-Net skip
// joins of the segmentation decoder (upsampled features + the encoder's skip, in every transfer
// mode). The ablation output and the docs name them apart: 'none' removes the former only.
import type { FTMTLNet } from './ftmtlnet';

export interface FeatureJoins {
  taskTransfers: string[];   // e.g. 'det.stage1: det + seg'
  skipJoins: string[];       // e.g. 'seg.decoder.stage3: up + skip'
  singleSource: string[];    // FT blocks over the branch's own features only ('none')
}

export function featureJoins(model: FTMTLNet): FeatureJoins {
  const out: FeatureJoins = { taskTransfers: [], skipJoins: [], singleSource: [] };
  const branchStages = [['det', model.det.stages], ['cls', model.cls.stages]] as const;
  for (const [branch, stages] of branchStages) {
    stages.forEach((stage, k) => {
      const n = stage.ft.inChannels.length;
      const name = `${branch}.stage${k + 1}`;
      if (n === 1) out.singleSource.push(name);
      else out.taskTransfers.push(`${name}: ${[branch, 'seg', 'det'].slice(0, n).join(' + ')}`);
    });
  }
  model.seg.decoder.stages.forEach((stage, i) => out.skipJoins.push(`seg.decoder.stage${3 - i}: up + skip`));
  return out;
}
