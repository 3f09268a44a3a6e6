// `ftmtlnet predict`: runs a checkpoint on one image (PNG, DICOM, PGM): class probabilities,
// mass boxes with scores, mask area; --overlay draws boxes and mask outline on the image.
import { Command, Option } from 'commander';
import type { TestTimeAugmentation } from '../../model/config';
import { FTMTLNet } from '../../model/ftmtlnet';
import { loadModel } from '../../train/model-checkpoint';
import { predictImage, closePredictor } from '../../model/predictor';
import { setNumThreads } from '../../capabilities';
import { readImageFile } from '../../data/image-file';
import { promises as fsp } from 'node:fs';
import { renderOverlay } from '../../report/overlay';
import { addThreadsOption, addTtaOverrideOption, parseNumberArg } from '../options';
import { exportOnnxBytes } from '../../onnx/export';
import { OnnxPredictor } from '../../onnx/predict-onnx';
import { getNumThreads } from '../../capabilities';
import type { Prediction, PredictOptions } from '../../model/predict-run';
import { predictionJson } from '../../results/prediction-json';
import { writeResults } from '../../results/write-results';
import { isDicom } from '../../data/image-file';

interface PredictFlags {
  model: string;
  overlay?: string;
  json?: boolean;
  dicomOut?: string;
  secondaryCapture?: boolean;
  threshold: number;
  threads?: number;
  engine: 'ftmtlnet' | 'onnx';
  tta?: TestTimeAugmentation;
}

// The forward pass by our engine (predictImage, in a worker) or by onnxruntime-node on the
// checkpoint's exported graph; both share the same pre- and post-processing.
async function runPrediction(model: FTMTLNet, image: string, flags: PredictFlags, options: PredictOptions): Promise<Prediction> {
  if (flags.engine === 'onnx') {
    const onnx = await OnnxPredictor.open(exportOnnxBytes(model), { threads: getNumThreads(), name: `${flags.model} (exported)` });
    return onnx.predict(image, options);
  }
  return predictImage(model, image, options);
}

export function register(program: Command): void {
  const cmd = program
    .command('predict')
    .description('Classify, detect and segment masses in one image with a trained checkpoint')
    .argument('<image>', 'image file (PNG, DICOM or PGM)')
    .requiredOption('--model <dir>', 'checkpoint folder (config.json + weights.safetensors)')
    .option('--overlay <file.png>', 'write the image with predicted boxes and the mask outline')
    .addOption(new Option('--threshold <score>', 'minimum detection score').argParser(parseNumberArg('--threshold', 0)).default(0.3))
    .option('--json', 'print the prediction as JSON (the mask as its area and bounding box)')
    .option('--dicom-out <dir>', 'for a DICOM input: write a DICOM SEG of the mask and an SR (TID 1500) of the findings to DIR')
    .option('--secondary-capture', 'with --dicom-out: also write the overlay as a DICOM Secondary Capture')
    .addOption(new Option('--engine <name>', 'forward pass by our engine or by onnxruntime-node on the exported graph').choices(['ftmtlnet', 'onnx']).default('ftmtlnet'));
  addTtaOverrideOption(cmd);
  addThreadsOption(cmd);
  cmd.addHelpText('after', `
Boxes are [x1, y1, x2, y2] in the input image's pixels.

Examples:
  ftmtlnet predict --model runs/demo/best image.png
  ftmtlnet predict --model runs/demo/best scan.dcm --overlay scan-overlay.png --json
  ftmtlnet predict --model runs/demo/best scan.dcm --dicom-out results/   # scan.seg.dcm, scan.sr.dcm
  ftmtlnet predict --model runs/demo/best image.png --engine onnx   # same result from onnxruntime-node`);
  cmd.action(async (image: string, flags: PredictFlags) => {
    if (flags.threads) setNumThreads(flags.threads);
    if (flags.secondaryCapture && !flags.dicomOut) throw new Error('--secondary-capture needs --dicom-out DIR');
    let sourceBytes: Uint8Array | undefined;
    if (flags.dicomOut) {
      sourceBytes = new Uint8Array(await fsp.readFile(image));
      if (!isDicom(sourceBytes)) throw new Error(`--dicom-out needs a DICOM (Part 10) input, but ${image} is not one`);
    }
    const model = await loadModel(flags.model);
    try {
      const pred = await runPrediction(model, image, flags, { threshold: flags.threshold, tta: flags.tta });
      const json = predictionJson(pred);
      const { area, box } = json.mask;
      if (flags.overlay) {
        const { image: gray } = await readImageFile(image);
        await fsp.writeFile(flags.overlay, await renderOverlay(gray, pred, { scoreThreshold: flags.threshold }));
      }
      const written = flags.dicomOut
        ? await writeResults(flags.dicomOut, image, pred, { json: false, threshold: flags.threshold, secondaryCapture: flags.secondaryCapture }, sourceBytes)
        : {};
      if (flags.json) {
        process.stdout.write(JSON.stringify(json, null, 2) + '\n');
      } else {
        process.stdout.write(`label: ${pred.label} (${pred.classes.map((c, i) => `${c} ${pred.probabilities[i].toFixed(3)}`).join(', ')})\n`);
        process.stdout.write(`masses: ${pred.detections.length}${pred.detections.map((d) => `\n  [${d.box.map((v) => v.toFixed(0)).join(', ')}] score ${d.score.toFixed(3)}`).join('')}\n`);
        process.stdout.write(`mask: ${area} pixels${box ? ` in [${box.join(', ')}]` : ''}\n`);
        if (flags.overlay) process.stdout.write(`overlay: ${flags.overlay}\n`);
        for (const [kind, file] of Object.entries(written)) process.stdout.write(`${kind}: ${file}\n`);
      }
    } finally {
      await closePredictor(model);
    }
  });
}
