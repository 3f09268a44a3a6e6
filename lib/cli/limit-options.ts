// The decode-limit flags of every command (lib/data/limits.ts): given before or after the
// subcommand, they set the process-wide limits before the command runs.
import { Command } from 'commander';
import { DEFAULT_DECODE_LIMITS, setDecodeLimits, type DecodeLimits } from '../data/limits';
import { parseNumberArg } from './options';

const FLAGS: { flag: string; key: keyof DecodeLimits; help: string }[] = [
  { flag: '--max-pixels <n>', key: 'maxPixels', help: `largest image to decode, in pixels (default ${DEFAULT_DECODE_LIMITS.maxPixels})` },
  { flag: '--max-image-bytes <n>', key: 'maxDecodedBytes', help: `largest decoded image, in sample bytes (default ${DEFAULT_DECODE_LIMITS.maxDecodedBytes})` },
  { flag: '--codec-ms <ms>', key: 'codecBaseMs', help: `codec deadline per frame, base (default ${DEFAULT_DECODE_LIMITS.codecBaseMs})` },
  { flag: '--codec-ms-per-mp <ms>', key: 'codecMsPerMegapixel', help: `codec deadline per frame, per megapixel (default ${DEFAULT_DECODE_LIMITS.codecMsPerMegapixel})` },
];

export function addLimitOptions(program: Command): void {
  for (const f of FLAGS) program.option(f.flag, f.help, parseNumberArg(f.flag.split(' ')[0], f.key === 'codecMsPerMegapixel' ? 0 : 1));
  program.hook('preAction', (root) => {
    const opts = root.opts() as Record<string, number | undefined>;
    const limits: Partial<DecodeLimits> = {};
    for (const f of FLAGS) {
      const name = f.flag.slice(2).split(' ')[0].replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      if (opts[name] !== undefined) limits[f.key] = opts[name];
    }
    setDecodeLimits(limits);
  });
}
