// What every bench does before a timed run: a full GC, then one event-loop turn, so the
// finalizers of earlier outputs hand their buffers back to the caching pool, as in a steady
// training loop. Without it every output is fresh system memory and first-touch page faults
// (several ms per MB in a VM) swamp the op. `npm run bench` also passes --single-threaded-gc,
// so no V8 marking or sweeping thread competes with the timed work for the cores.
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

export async function settle(): Promise<void> {
  collect();
  await new Promise((resolve) => setImmediate(resolve));
}

export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
