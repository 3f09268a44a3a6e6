// npm run fuzz [-- decode [--cases N] [--seed S]]   100,000 seeded hostile DICOMs by default
// npm run fuzz -- kill [--kills N] [--seed S]      kill -9 training at random moments, resume,
//                                                  compare the final weights with an uninterrupted run
// npm run fuzz -- archive [--instances N] [--connectors C] [--kills K] [--seed S]   50 MG instances into
//                                                  a real Orthanc, connectors SIGKILLed and restarted; exactly
//                                                  one SEG and one SR per instance at the end
import { runDecodeFuzz } from './decode-fuzz';
import { runKillTest } from './kill-test';
import { runArchiveFault } from './archive-fault';

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`Expected a non-negative integer for ${name} but received ${args[i + 1]}`);
  return v;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const mode = args[0] && !args[0].startsWith('--') ? args[0] : 'decode';
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (mode === 'decode') {
    const report = await runDecodeFuzz(flag(args, '--cases', 100_000), flag(args, '--seed', 1), log);
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    if (report.counts.crash || report.counts.hang) process.exitCode = 1;
  } else if (mode === 'kill') {
    const report = await runKillTest({ kills: flag(args, '--kills', 50), seed: flag(args, '--seed', 1), log });
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    if (!report.allIdentical || report.failures.length) process.exitCode = 1;
  } else if (mode === 'archive') {
    const report = await runArchiveFault({ instances: flag(args, '--instances', 50), connectors: flag(args, '--connectors', 2), kills: flag(args, '--kills', 10), seed: flag(args, '--seed', 1), log });
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    if (report.problems.length || report.mg !== report.instances || report.exitCodes.some((c) => c !== 0)) process.exitCode = 1;
  } else {
    throw new Error(`Expected "decode", "kill" or "archive" for the fuzz mode but received "${mode}"`);
  }
  process.exit();
}

main().catch((e: Error) => {
  process.stderr.write(`fuzz: ${e.message}\n`);
  process.exit(1);
});
