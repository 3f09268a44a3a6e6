// Where a worker thread's script is, and the Node options it needs: the compiled .js beside its
// caller, or (running from TypeScript sources: tests, ts-node) the .ts file with a TS loader.
// Workers inherit the parent's execArgv; a loader registered with -r/--require is added explicitly.
import * as path from 'node:path';

const TS_REGISTER = ['ts-node/register/transpile-only', '@isaacs/ts-node-temp-fork-for-pr-2009/register/transpile-only'];

// callerFile: the caller's __filename; base: the worker's file name without extension, beside it.
export function workerScript(callerFile: string, base: string): { file: string; execArgv?: string[] } {
  const ext = path.extname(callerFile);
  const file = path.join(path.dirname(callerFile), `${base}${ext}`);
  if (ext !== '.ts') return { file };
  for (const id of TS_REGISTER) {
    try {
      return { file, execArgv: [...process.execArgv, '--require', require.resolve(id)] };
    } catch {
      // not installed: try the next one
    }
  }
  return { file };
}
