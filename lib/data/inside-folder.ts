// Joins a path read from a data-set file (an id, a relative path) to the data-set folder and
// refuses any result outside that folder ("../", absolute paths); a lexical check of the path.
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DataFormatError } from './errors';

// `source` names the file the path came from (Info.txt, mias.json) in the error.
export function pathInsideFolder(dir: string, rel: string, source: string): string {
  const full = join(dir, rel);
  const back = relative(resolve(dir), resolve(full));
  if (isAbsolute(rel) || back === '' || back === '..' || back.startsWith(`..${sep}`) || isAbsolute(back)) {
    throw new DataFormatError(source, `path ${JSON.stringify(rel)} leads outside the data folder ${dir}; refusing to read it`);
  }
  return full;
}
