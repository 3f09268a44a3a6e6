// The one typed gateway to the addon (lib/native.ts): the functions it declares are exactly the
// functions the loaded addon exports (CUDA ones only in a CUDA build).
import t from 'tap';
import { CPU_FUNCTIONS, CUDA_FUNCTIONS, nativeCore } from '../lib/native';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeGypBuild = require('node-gyp-build') as (dir: string) => Record<string, unknown>;
import * as path from 'node:path';

t.test('declared names = exported names', (t) => {
  const loaded = process.env.FTMTLNET_ADDON
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ? require(path.resolve(process.env.FTMTLNET_ADDON)) as Record<string, unknown>
    : nodeGypBuild(path.join(__dirname, '..'));
  const exported = Object.keys(loaded).filter((k) => typeof loaded[k] === 'function').sort();
  const cudaBuilt = nativeCore().cudaInfo().built;
  const declared = [...CPU_FUNCTIONS, ...(cudaBuilt ? CUDA_FUNCTIONS : [])].sort();
  t.same(exported.filter((k) => !declared.includes(k)), [], 'every export is declared in lib/native.ts');
  t.same(declared.filter((k) => !exported.includes(k)), [], `every declared function is exported (CUDA build: ${cudaBuilt})`);
  t.equal(new Set(declared).size, declared.length, 'no name declared twice');
  t.end();
});
