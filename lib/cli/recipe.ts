// Training recipes: the settings `train`, `cv` and `ablate` start from. 'phantom' is the
// synthetic demo's set-up (letterbox, 128 px, plain sampling and losses); 'mammogram' is the
// real-data recipe (breast crop + canonical flip + percentile normalisation at 256 px,
// class-balanced sampling, Dice over the images with a mass, CenterNet's 0.1 weight on the size
// term, phantom pre-training, then a patch stage). Without
// --recipe, real data sets get 'mammogram' and phantoms 'phantom'; flags given on the command
// line override the recipe's value for that setting.
import { Command, InvalidArgumentError, Option } from 'commander';
import { TTA_MODES, type ClassifierPool, type PredictPreprocess, type Preset, type TestTimeAugmentation } from '../model/config';
import { DICE_MODES, type DiceMode, type MultiTaskLossOptions } from '../model/multitask-loss';
import { parseIntArg, parseLossWeights, parseNumberArg } from './options';

export const RECIPE_NAMES = ['mammogram', 'phantom'] as const;
export type RecipeName = (typeof RECIPE_NAMES)[number];

export interface Recipe {
  preset: Preset;
  size: number;
  epochs: number;
  batch: number;
  lr: number;
  lossWeights: { cls: number; det: number; seg: number };
  sizeWeight: number;                 // factor on l1(size) in the detection loss
  dice: DiceMode;
  sampling: 'uniform' | 'balanced';
  augment: boolean;
  preprocess: 'crop' | 'letterbox';   // crop: breast crop, flip, normalise (stored in the checkpoint)
  pool: ClassifierPool;               // classifier pooling of cls_4 (model config)
  patchEpochs: number;                // epochs of the patch stage before the whole images (0: none)
  patchSize: number;                  // side of the patch stage's patches in pixels
  phantomEpochs: number;              // epochs of phantom pre-training before the patch stage (0: none)
  tta: TestTimeAugmentation;          // test-time flips of the trained model's predictions (model config)
  select: 'score' | 'last';           // what train's best/ keeps: the best validation score, or the last epoch
}

// The phantom stage's phantoms: how many and their side (the phantom recipe's size).
export const PHANTOM_STAGE = Object.freeze({ count: 300, size: 128 });

export const RECIPES: Readonly<Record<RecipeName, Readonly<Recipe>>> = Object.freeze({
  phantom: {
    preset: 'xs', size: 128, epochs: 10, batch: 8, lr: 2e-3, lossWeights: { cls: 4, det: 1, seg: 1 },
    sizeWeight: 1, dice: 'image', sampling: 'uniform', augment: true, preprocess: 'letterbox', pool: 'avg',
    patchEpochs: 0, patchSize: 64, phantomEpochs: 0, tta: 'none', select: 'score',
  },
  mammogram: {
    preset: 's', size: 256, epochs: 16, batch: 8, lr: 2e-3, lossWeights: { cls: 4, det: 1, seg: 1 },
    sizeWeight: 0.1, dice: 'positive', sampling: 'balanced', augment: true, preprocess: 'crop', pool: 'avg',
    patchEpochs: 20, patchSize: 96, phantomEpochs: 10, tta: 'flips', select: 'last',
  },
});

// The preprocessing a recipe trains with, as stored in the model config (null: letterbox).
export function preprocessFor(preprocess: Recipe['preprocess']): PredictPreprocess {
  return preprocess === 'crop' ? { crop: true, flip: 'auto', normalize: 'minmax' } : null;
}

export function recipePreprocess(name: RecipeName): PredictPreprocess {
  return preprocessFor(RECIPES[name].preprocess);
}

// Without --recipe: phantoms (no --data, or --format synthetic) get 'phantom', real data 'mammogram'.
export function defaultRecipeName(data: string | undefined, format: string | undefined): RecipeName {
  return !data || format === 'synthetic' ? 'phantom' : 'mammogram';
}

// The recipe's settings with the explicitly given ones on top (undefined = not given).
export function resolveRecipe(name: RecipeName, given: Partial<Recipe>): Recipe {
  const base = RECIPES[name];
  if (!base) throw new RangeError(`Expected one of ${RECIPE_NAMES.join(', ')} for recipe but received ${String(name)}`);
  const out = { ...base, lossWeights: { ...base.lossWeights } } as Recipe;
  for (const [k, v] of Object.entries(given) as [keyof Recipe, unknown][]) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}

function parseMultipleOf32(name: string) {
  return (v: string): number => {
    const n = parseIntArg(name, 32)(v);
    if (n % 32) throw new InvalidArgumentError(`${name} must be a multiple of 32.`);
    return n;
  };
}

// The recipe-controlled options of train / cv / ablate; none has a commander default, so an
// undefined value means "the recipe's".
export function addRecipeOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--recipe <name>', 'training recipe (default: mammogram for a real data set, phantom for phantoms)').choices([...RECIPE_NAMES]))
    .addOption(new Option('--preset <preset>', 'model size (recipe: mammogram s, phantom xs)').choices(['xs', 's', 'm', 'l']))
    .option('--size <pixels>', 'input size S, a multiple of 32 (recipe: mammogram 256, phantom 128)', parseMultipleOf32('--size'))
    .option('--epochs <n>', 'training epochs (recipe: mammogram 16, phantom 10)', parseIntArg('--epochs', 1))
    .option('--batch <n>', 'batch size (recipe: 8)', parseIntArg('--batch', 1))
    .option('--lr <rate>', 'peak learning rate, warm-up then cosine decay (recipe: 2e-3)', parseNumberArg('--lr', 0))
    .addOption(new Option('--loss-weights <cls,det,seg>', 'task weights of the multi-task loss (recipe: 4,1,1)').argParser(parseLossWeights))
    .option('--size-weight <w>', 'weight of the box-size term in the detection loss (recipe: mammogram 0.1, phantom 1)', parseNumberArg('--size-weight', 0))
    .addOption(new Option('--dice <mode>', 'Dice loss per image, over the batch, or per image over the images with a mass only (recipe: mammogram positive, phantom image)').choices([...DICE_MODES]))
    .addOption(new Option('--sampling <mode>', 'uniform, or class-balanced draws (recipe: mammogram balanced, phantom uniform)').choices(['uniform', 'balanced']))
    .addOption(new Option('--preprocess <mode>', 'crop: breast crop + flip + normalise; letterbox: resize only (recipe: mammogram crop, phantom letterbox)').choices(['crop', 'letterbox']))
    .addOption(new Option('--pool <mode>', 'classifier pooling: avg, max or avgmax (recipe: avg)').choices(['avg', 'max', 'avgmax']))
    .option('--patch-epochs <n>', 'epochs on lesion-centred and background patches before the whole images, 0 for none (recipe: mammogram 20, phantom 0)', parseIntArg('--patch-epochs', 0))
    .option('--patch-size <pixels>', 'side of the patch-stage patches, a multiple of 32 (recipe: mammogram 96, phantom 64)', parseMultipleOf32('--patch-size'))
    .option('--phantom-epochs <n>', `epochs on ${PHANTOM_STAGE.count} synthetic phantoms before the patch stage, 0 for none; --init replaces it (recipe: mammogram 10, phantom 0)`, parseIntArg('--phantom-epochs', 0))
    .addOption(new Option('--tta <mode>', 'test-time augmentation the model keeps in its config: flips averages the image and its three mirror images (4x inference), none (recipe: mammogram flips, phantom none)').choices([...TTA_MODES]))
    .addOption(new Option('--select <mode>', 'what train keeps as best/: the epoch with the best validation score, or the last epoch (the model cv evaluates) (recipe: mammogram last, phantom score)').choices(['score', 'last']))
    .option('--augment', 'flip/affine/intensity augmentation on (recipe: on)')
    .option('--no-augment', 'augmentation off');
}

// Reads the recipe options back from a command's parsed flags.
export function recipeFromFlags(cmd: Command, flags: Record<string, unknown>): { name: RecipeName; recipe: Recipe } {
  const name = (flags.recipe as RecipeName | undefined) ?? defaultRecipeName(flags.data as string | undefined, flags.format as string | undefined);
  const augmentGiven = cmd.getOptionValueSource('augment') === 'cli';
  const recipe = resolveRecipe(name, {
    preset: flags.preset as Preset | undefined, size: flags.size as number | undefined, epochs: flags.epochs as number | undefined,
    batch: flags.batch as number | undefined, lr: flags.lr as number | undefined,
    lossWeights: flags.lossWeights as Recipe['lossWeights'] | undefined, sizeWeight: flags.sizeWeight as number | undefined,
    dice: flags.dice as Recipe['dice'] | undefined, sampling: flags.sampling as Recipe['sampling'] | undefined,
    preprocess: flags.preprocess as Recipe['preprocess'] | undefined, pool: flags.pool as ClassifierPool | undefined, augment: augmentGiven ? Boolean(flags.augment) : undefined,
    patchEpochs: flags.patchEpochs as number | undefined, patchSize: flags.patchSize as number | undefined,
    phantomEpochs: flags.phantomEpochs as number | undefined, tta: flags.tta as TestTimeAugmentation | undefined,
    select: flags.select as Recipe['select'] | undefined,
  });
  return { name, recipe };
}

export function describeRecipe(name: RecipeName, r: Recipe): string {
  const w = r.lossWeights;
  return `recipe ${name}: preset ${r.preset}, ${r.size} px (${r.preprocess}), ${r.epochs} epochs, batch ${r.batch}, lr ${r.lr}, `
    + `loss weights ${w.cls},${w.det},${w.seg}, size weight ${r.sizeWeight}, ${r.dice} Dice, ${r.sampling} sampling, ${r.pool} pool, augment ${r.augment ? 'on' : 'off'}`
    + (r.phantomEpochs > 0 ? `, phantom stage ${r.phantomEpochs} epochs` : '')
    + (r.patchEpochs > 0 ? `, patch stage ${r.patchEpochs} epochs at ${r.patchSize} px` : '')
    + (r.tta === 'flips' ? ', test-time flips' : '')
    + (r.select === 'last' ? ', best/ = last epoch' : '');
}

// train's validation share when --val-fraction is not given. A recipe that keeps the last epoch
// as best/ (mammogram) selects nothing on the validation images, so it trains on every image
// instead (ftmtlnet cv estimates how it does on unseen ones); one that picks its best epoch by
// the validation score (phantom) holds 20% out.
export function recipeValFraction(r: Recipe): number {
  return r.select === 'last' ? 0 : 0.2;
}

// The phantom stage a recipe asks for (run by trainModel unless --init gives the start weights).
export function phantomStageOf(r: Recipe): { epochs: number; count: number; size: number } {
  return { epochs: r.phantomEpochs, ...PHANTOM_STAGE };
}

// The multi-task loss options of a recipe.
export function recipeLoss(r: Recipe): MultiTaskLossOptions {
  return { weights: r.lossWeights, sizeWeight: r.sizeWeight, dice: r.dice };
}

// The trainModel options a recipe decides; the callers add the data, the model size and
// preprocessing, and where the run goes.
export function recipeTraining(r: Recipe) {
  return {
    epochs: r.epochs, batch: r.batch, lr: r.lr, augment: r.augment ? {} : (false as const), sampling: r.sampling,
    classifierPool: r.pool, loss: recipeLoss(r), tta: r.tta, select: r.select,
    patchStage: { epochs: r.patchEpochs, size: r.patchSize }, phantomStage: phantomStageOf(r),
  };
}
