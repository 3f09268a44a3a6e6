// Runs the CLI in this process, capturing its output and the exit code it sets (a spawned
// ts-node child costs ~20 s on this machine; the exit path is process.exitCode either way).
import { buildProgram } from '../../lib/cli/main';

export async function runCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const out = process.stdout.write, err = process.stderr.write;
  const saved = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = ((s: string) => { stdout += s; return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => { stderr += s; return true; }) as typeof process.stderr.write;
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'ftmtlnet', ...args]);
  } finally {
    process.stdout.write = out; process.stderr.write = err;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = saved;
  return { code, stdout, stderr };
}
