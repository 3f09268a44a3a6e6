// Long-running commands (worker, orthanc) stop on SIGTERM or SIGINT: the first signal lets the
// work in hand finish and then exits 0; a second one exits at once with code 1.
export function untilStopSignal(log: (line: string) => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`${signal} again: exiting without finishing the work in hand`);
        process.exit(1);
      }
      stopping = true;
      log(`${signal}: finishing the work in hand, then exiting`);
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

// A log line on stderr with the time, for the long-running commands.
export function stderrLog(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}
