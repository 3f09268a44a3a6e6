// Starting weights from another model: `--init CHECKPOINT` (e.g. a model trained on phantoms)
// and the patch stage of the mammogram recipe. Every parameter and buffer whose name and shape
// match is copied; the others keep their fresh initialisation and are listed by name, so a
// head with another number of classes is re-learned rather than refused.
import type { Tensor } from '../tensor';
import type { FTMTLNet } from '../model/ftmtlnet';
import { sameShape } from '../ops/broadcast';
import { readCheckpoint } from './checkpoint';

export interface InitReport {
  source: string;
  copied: number;
  total: number;
  skipped: string[];      // "name: why", for the model's tensors that kept their initialisation
}

export function initFromStateDict(model: FTMTLNet, weights: Record<string, Tensor>, source: string): InitReport {
  const own = model.stateDict();
  const take: Record<string, Tensor> = {};
  const skipped: string[] = [];
  for (const [name, t] of Object.entries(own)) {
    const w = weights[name];
    if (!w) skipped.push(`${name}: not in ${source}`);
    else if (!sameShape(w.shape, t.shape)) skipped.push(`${name}: shape [${w.shape.join(', ')}] there, [${t.shape.join(', ')}] here`);
    else take[name] = w;
  }
  const copied = Object.keys(take).length;
  if (copied === 0) throw new Error(`cannot initialise from ${source}: none of its tensors matches this model by name and shape (is it an FTMTLNet checkpoint of the same preset?)`);
  model.loadStateDict(take, { strict: false, source });
  return { source, copied, total: Object.keys(own).length, skipped };
}

export async function initFromCheckpoint(model: FTMTLNet, dir: string): Promise<InitReport> {
  const ck = await readCheckpoint(dir);
  return initFromStateDict(model, ck.weights, dir);
}

export function describeInit(r: InitReport): string {
  const head = `init: ${r.copied} of ${r.total} tensors from ${r.source}`;
  if (!r.skipped.length) return head;
  const shown = r.skipped.slice(0, 4).join('; ');
  return `${head}; kept fresh: ${shown}${r.skipped.length > 4 ? `; and ${r.skipped.length - 4} more` : ''}`;
}
