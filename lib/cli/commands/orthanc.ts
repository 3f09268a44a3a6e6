// `ftmtlnet orthanc`: the Orthanc connector. Follows /changes, runs the model on each stable
// study's mammograms and stores SEG + SR back into the study; runs until SIGTERM.
import { Command, Option } from 'commander';
import { setNumThreads } from '../../capabilities';
import { OrthancClient, checkOrthancUrl } from '../../orthanc/orthanc-client';
import { OrthancConnector } from '../../orthanc/orthanc-connector';
import { addThreadsOption, parseIntArg, parseNumberArg } from '../options';
import { stderrLog, untilStopSignal } from '../stop-signals';
import { loadModelPool } from '../../train/model-checkpoint';

interface OrthancFlags {
  url: string;
  model: string;
  user?: string;
  password?: string;
  state: string;
  level: 'study' | 'series';
  threshold: number;
  secondaryCapture?: boolean;
  poll: number;
  threads?: number;
}

export function register(program: Command): void {
  const cmd = program
    .command('orthanc')
    .description('Follow an Orthanc server: predict on each stable study\'s mammograms (MG) and store SEG + SR back into the study')
    .requiredOption('--model <dir>', 'checkpoint folder (config.json + weights.safetensors)')
    .option('--url <url>', 'Orthanc REST API', (v: string) => checkOrthancUrl(v), 'http://127.0.0.1:8042')
    .option('--user <name>', 'HTTP basic authentication user')
    .option('--password <password>', 'HTTP basic authentication password (or ORTHANC_PASSWORD)')
    .option('--state <file>', 'state file: last change handled and instances done (written atomically)', 'ftmtlnet-orthanc-state.json')
    .addOption(new Option('--level <level>', 'start on stable studies or stable series').choices(['study', 'series']).default('study'))
    .addOption(new Option('--threshold <score>', 'minimum detection score').argParser(parseNumberArg('--threshold', 0)).default(0.3))
    .option('--secondary-capture', 'also store the overlay as a DICOM Secondary Capture')
    .option('--poll <ms>', 'pause between polls of /changes once caught up', parseIntArg('--poll', 10), 1000);
  addThreadsOption(cmd);
  cmd.addHelpText('after', `
Only mammography instances (Modality MG) are read; the SEG and SR it stores (Manufacturer
"ftmtlnet") are never read back. An instance is done once: its SOP Instance UID goes into the
state file after its results are stored, and a re-run after a crash stores objects with the
same UIDs, which Orthanc keeps once. While Orthanc is down or answers 5xx it retries with
backoff and logs it; an instance that cannot be read or decoded (or is over the decode limits,
--max-pixels etc.) is logged and skipped.
SIGTERM (or Ctrl-C) finishes the instance in hand and exits 0.

Examples:
  ftmtlnet orthanc --url http://127.0.0.1:8042 --model runs/demo/best
  ftmtlnet orthanc --url http://pacs:8042 --user ai --password secret --model runs/demo/best --state /var/lib/ftmtlnet/orthanc.json`);
  cmd.action(async (flags: OrthancFlags) => {
    if (flags.threads) setNumThreads(flags.threads);
    const stop = new AbortController();
    void untilStopSignal(stderrLog).then(() => stop.abort());
    const password = flags.password ?? process.env.ORTHANC_PASSWORD;
    if (flags.user === undefined && password !== undefined && flags.password !== undefined) throw new Error('--password needs --user');
    const client = new OrthancClient({ url: flags.url, user: flags.user, password, log: stderrLog, signal: stop.signal });
    const pool = await loadModelPool(flags.model, 1);
    try {
      const connector = new OrthancConnector({
        client, pool, stateFile: flags.state, level: flags.level, threshold: flags.threshold,
        secondaryCapture: flags.secondaryCapture, pollMs: flags.poll, signal: stop.signal, log: stderrLog,
      });
      const summary = await connector.run();
      stderrLog(`stopped: ${summary.processed} instance(s) done and ${summary.skipped} skipped in this run; at change ${summary.lastSeq}`);
    } finally {
      await pool.close();
    }
    process.exit(0);
  });
}
