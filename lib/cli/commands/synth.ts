// `ftmtlnet synth`: write synthetic mammogram phantoms in the plain folder format.
import { Command, InvalidArgumentError } from 'commander';
import { writePhantomFolder } from '../../data/phantom-folder';
import { PHANTOM_CLASSES, type PhantomClass } from '../../data/phantom';

function integer(name: string, min: number, max = Infinity): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`Expected an integer ${max === Infinity ? `>= ${min}` : `from ${min} to ${max}`} for ${name} but received ${JSON.stringify(value)}`);
    }
    return n;
  };
}

function classList(value: string): PhantomClass[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!list.length || list.some((c) => !PHANTOM_CLASSES.includes(c as PhantomClass))) {
    throw new InvalidArgumentError(`Expected a comma-separated subset of ${PHANTOM_CLASSES.join(',')} for --classes but received ${JSON.stringify(value)}`);
  }
  return list as PhantomClass[];
}

function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n <= 1)) throw new InvalidArgumentError(`Expected a number from 0 to 1 for --normal-fraction but received ${JSON.stringify(value)}`);
  return n;
}

interface SynthOptions {
  out: string;
  count: number;
  size: number;
  seed: number;
  start: number;
  classes?: PhantomClass[];
  normalFraction?: number;
  bitDepth: number;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('synth')
    .description('write synthetic mammogram phantoms (images, masks, annotations.json) to a folder')
    .requiredOption('--out <dir>', 'output folder (created if missing)')
    .option('--count <n>', 'number of images', integer('--count', 1), 100)
    .option('--size <pixels>', 'image side in pixels (square)', integer('--size', 32, 4096), 256)
    .option('--seed <k>', 'random seed; the same seed gives the same images', integer('--seed', 0), 1)
    .option('--start <index>', 'index of the first image (disjoint ranges give disjoint sets)', integer('--start', 0), 0)
    .option('--classes <list>', 'comma-separated classes to draw (default normal,benign,malignant)', classList)
    .option('--normal-fraction <f>', "share of 'normal' images (default 1/3 when normal is drawn)", fraction)
    .option('--bit-depth <8|16>', 'bit depth of the image PNGs', integer('--bit-depth', 8, 16), 16)
    .option('--quiet', 'print nothing but errors')
    .addHelpText('after', `
Folder format:
  DIR/images/<id>.png   grey PNG (16-bit by default), values = density in [0, 1] scaled to the full range
  DIR/masks/<id>.png    8-bit grey PNG, 255 = mass pixel, 0 = background
  DIR/annotations.json  { "classes": [...], "images": [{ "file", "label", "boxes": [[x1,y1,x2,y2]], "mask" }] }
                        boxes in pixels, x2/y2 exclusive; normal images have no boxes.`)
    .action(async (opts: SynthOptions) => {
      if (opts.bitDepth !== 8 && opts.bitDepth !== 16) throw new InvalidArgumentError(`Expected 8 or 16 for --bit-depth but received ${opts.bitDepth}`);
      const started = Date.now();
      const annotations = await writePhantomFolder({
        out: opts.out,
        count: opts.count,
        size: opts.size,
        seed: opts.seed,
        start: opts.start,
        classes: opts.classes,
        normalFraction: opts.normalFraction,
        bitDepth: opts.bitDepth,
      });
      if (!opts.quiet) {
        const counts = annotations.classes.map((c) => `${c} ${annotations.images.filter((i) => i.label === c).length}`).join(', ');
        console.log(`wrote ${annotations.images.length} phantoms (${counts}) of ${opts.size}x${opts.size} to ${opts.out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    });
}
