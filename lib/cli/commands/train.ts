// `ftmtlnet train`: train FTMTLNet on phantoms or a real data set, with validation each
// epoch, best/ and last/ checkpoints in --out, and --resume.
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { datasetClasses, loadSamples, splitSamples, type DataFormat } from '../data-source';
import { addDataOptions, addInitOption, addThreadsOption, addTrainingOptions, givenOptions, parseIntArg, timestamp, type TrainingFlags } from '../options';
import { SPLIT_DEFAULT_BEFORE_FILE, SPLIT_FILE, readResumeConfig, readRunSplit, resumeFlags, writeRunSplit } from '../resume';
import { trainModel } from '../train-run';
import { addRecipeOptions, describeRecipe, preprocessFor, recipeFromFlags, recipeTraining, recipeValFraction } from '../recipe';
import type { FTMTLNetConfig, Transfer } from '../../model/config';

interface TrainFlags extends TrainingFlags {
  data?: string;
  format?: DataFormat;
  count?: number;
  dataSeed: number;
  threads?: number;
  transfer: Transfer;
  resume?: string;
  optimizer: 'adamw' | 'sgd';
  earlyStopping?: number;
  init?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description('Train FTMTLNet (classification + detection + segmentation) on phantoms or a data set folder')
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['adamw', 'sgd']).default('adamw'))
    .addOption(new Option('--transfer <mode>', 'feature transfer between branches: full (FTMTLNet) or none (parallel baseline)').choices(['full', 'none']).default('full'))
    .option('--resume <dir>', 'continue a run from its checkpoint folder (or its run folder); the model is rebuilt from its config.json')
    .option('--early-stopping <epochs>', 'stop after this many epochs without a better validation score', parseIntArg('--early-stopping', 1));
  addRecipeOptions(cmd);
  addTrainingOptions(cmd, {
    help: {
      seed: 'seed of the weights, shuffling and augmentation',
      out: 'run folder for checkpoints and history (default runs/train-<timestamp>)',
      valFraction: 'share of the data held out for validation (default: 0 when best/ is the last epoch, as in recipe mammogram: nothing is selected on it, so every image trains; else 0.2)', json: 'print the final validation metrics as JSON on stdout',
    },
  });
  addInitOption(cmd);
  addDataOptions(cmd);
  addThreadsOption(cmd);
  cmd.addHelpText('after', `
Recipes: --recipe phantom (synthetic demo settings: 128 px letterbox) and --recipe mammogram
(real data: breast crop + flip + normalisation at 256 px, class-balanced sampling, Dice over the
images with a mass (--dice positive), size-term weight 0.1; its preprocessing is stored in the
checkpoint, so eval and predict apply it). Without --recipe a real data set gets mammogram and
phantoms get phantom; any flag given explicitly overrides the recipe's value.
Stages before the whole-image epochs: --phantom-epochs N trains N epochs on 300 synthetic
phantoms (128 px); --patch-epochs N then trains N epochs on lesion-centred and background
patches (--patch-size) cut from the training images; each stage starts from the one before.
--init DIR starts from another checkpoint's weights instead of the phantom stage (names and
shapes that match). With balanced sampling the model stores the training images' class shares
(config.json classPrior) and its probabilities are corrected to them. --tta flips (mammogram's
default) stores test-time flips in the config: predictions average the image and its three
mirror images (4x the inference time).

Examples:
  ftmtlnet train --epochs 20 --out runs/phantoms                    # synthetic phantoms
  ftmtlnet train --data ../shared/data/mias --format mias --recipe mammogram --out runs/mias
  ftmtlnet train --resume runs/phantoms --epochs 30                 # continue a run
  ftmtlnet train --data ../shared/data/mias --format mias --init runs/phantoms/best   # start from phantoms

The run folder gets best/ and last/ checkpoints (config.json + weights.safetensors; last/ also
holds optimizer.safetensors and train-state.json for --resume), history.json and split.json (the
validation share, which --resume keeps unless --val-fraction is given).`);
  cmd.action(async (typed: TrainFlags) => {
    const { name, recipe: rc } = recipeFromFlags(cmd, typed as unknown as Record<string, unknown>);
    if (typed.earlyStopping !== undefined && rc.select === 'last')
      throw new InvalidArgumentError(`--early-stopping needs --select score (recipe ${name} keeps the last epoch as best/).`);
    const given = { ...typed, preset: rc.preset, size: rc.size };
    let flags = given;
    let modelConfig: FTMTLNetConfig | undefined;
    let resumeDir: string | undefined;   // the checkpoint folder --resume resolved to
    if (given.resume) {
      const saved = await readResumeConfig(given.resume);
      resumeDir = saved.dir;
      const r = resumeFlags(saved.config, given, givenOptions(cmd));
      for (const note of r.notes) process.stderr.write(`note: ${note}\n`);
      process.stderr.write(`resume: model from ${path.join(saved.dir, 'config.json')} (preset ${r.flags.preset}, size ${r.flags.size}, transfer ${r.flags.transfer}, seed ${r.flags.seed})\n`);
      flags = { ...given, ...r.flags };
      modelConfig = saved.config;
    }
    process.stderr.write(describeRecipe(name, rc) + '\n');
    const out = flags.out ?? flags.resume ?? path.join('runs', `train-${timestamp()}`);
    // A resumed run keeps the checkpoint's preprocessing; a new one takes the recipe's.
    const preprocess = modelConfig ? modelConfig.preprocess : preprocessFor(rc.preprocess);
    const dataset = await loadSamples({ data: flags.data, format: flags.format, size: flags.size, count: flags.count, seed: flags.dataSeed, preprocess });
    for (const s of dataset.skipped) process.stderr.write(`skipped ${s.id}${s.file ? ` (${s.file})` : ''}: ${s.reason}\n`);
    const classes = datasetClasses(dataset);
    let valFraction = flags.valFraction;
    if (valFraction === undefined && given.resume && resumeDir) {
      // The same images as the run's start: its split.json, else the default of runs before it.
      const saved = await readRunSplit([given.resume, path.dirname(resumeDir)]);
      valFraction = saved ? saved.valFraction : SPLIT_DEFAULT_BEFORE_FILE;
      process.stderr.write(`resume: validation share ${valFraction} (${saved ? `from ${saved.file}` : `no ${SPLIT_FILE}: the default when this run started`})\n`);
    }
    valFraction ??= recipeValFraction(rc);
    const { train, val } = splitSamples(dataset.samples, valFraction, flags.seed);
    await writeRunSplit(out, valFraction);
    process.stderr.write(`data: ${train.length} training and ${val.length} validation images, classes ${classes.join('/')}\n`);
    if (val.length === 0 && flags.valFraction === undefined) {
      process.stderr.write('note: no validation split: best/ is the last epoch, so validation images would select nothing and train on every image instead (`ftmtlnet cv` estimates how the recipe does on unseen images; --val-fraction 0.2 shows validation metrics each epoch)\n');
    }
    const { result } = await trainModel({
      ...recipeTraining(rc), train, val, classes, preset: flags.preset, size: flags.size, preprocess, transfer: flags.transfer,
      seed: flags.seed, threads: flags.threads, out, resume: flags.resume, modelConfig,
      optimizer: flags.optimizer, earlyStopping: flags.earlyStopping ?? false, init: flags.init,
    });
    const best = result.best ? result.history.find((r) => r.epoch === result.best!.epoch) : undefined;
    await fsp.writeFile(path.join(out, 'metrics.json'), JSON.stringify(best?.metrics ?? null, null, 2) + '\n');
    process.stderr.write(`done in ${result.seconds.toFixed(0)} s; best epoch ${result.best?.epoch ?? '-'}; checkpoints in ${out}\n`);
    if (flags.json) process.stdout.write(JSON.stringify(best?.metrics ?? null, null, 2) + '\n');
  });
}
