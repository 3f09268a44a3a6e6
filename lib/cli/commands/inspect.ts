// `ftmtlnet inspect FILE`: the geometry, encoding and value range of one image file.

import type { Command } from 'commander';
import { readImageFile } from '../../data/image-file';
import { describeThrown } from '../../data/errors';
import { transferSyntaxInfo } from '../../data/dicom-codecs';

export interface InspectReport {
  width: number; height: number; bitsStored: number; photometric: string; transferSyntax: string | null;
  laterality: 'L' | 'R' | null; view: string | null; min: number; max: number; mean: number;
}

// min/max/mean are of the stored values after Rescale Slope/Intercept, before inversion or windowing.
export async function inspectFile(file: string): Promise<InspectReport & { transferSyntaxName?: string; kind: string; windows?: unknown; frames?: number }> {
  const loaded = await readImageFile(file);
  const values: ArrayLike<number> = loaded.dicom ? loaded.dicom.values : loaded.raster!.values;
  let min = Infinity, max = -Infinity, sum = 0;
  for (let i = 0; i < values.length; i++) { const v = values[i]; if (v < min) min = v; if (v > max) max = v; sum += v; }
  const d = loaded.dicom;
  return {
    width: loaded.image.width, height: loaded.image.height,
    bitsStored: d ? d.bitsStored : loaded.raster!.bitDepth,
    photometric: d ? d.photometric : 'MONOCHROME2',
    transferSyntax: d ? d.transferSyntax : null,
    laterality: loaded.laterality, view: loaded.view,
    min, max, mean: sum / values.length,
    kind: loaded.kind,
    ...(d ? { transferSyntaxName: transferSyntaxInfo(d.transferSyntax)?.name ?? 'unknown', windows: d.windows, frames: d.frames } : {}),
  };
}

export function register(program: Command): void {
  program
    .command('inspect')
    .description('print size, bit depth, photometric, transfer syntax, laterality, view and value range of an image (DICOM, PNG, PGM)')
    .argument('<file>', 'image file')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      try {
        const r = await inspectFile(file);
        if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else process.stdout.write(Object.entries(r).map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : v}`).join('\n') + '\n');
      } catch (e) {
        process.stderr.write(`ftmtlnet inspect: ${describeThrown(e).split('\n')[0]}\n`);
        process.exitCode = 1;
      }
    });
}
