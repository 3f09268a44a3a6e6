// The Orthanc connector's place in the archive, kept in a JSON file written atomically (temp
// file, fsync, rename): the last /changes sequence number handled, the SOP Instance UIDs done,
// and those skipped with their reason. A restart reads it and neither repeats nor misses work.
import { promises as fsp } from 'node:fs';
import { writeFileAtomic } from '../train/safetensors';

const FORMAT = 'ftmtlnet-orthanc-state';

export interface ConnectorState {
  orthanc: string;                         // the archive this state belongs to
  lastSeq: number;
  processed: Set<string>;                  // SOP Instance UIDs with SEG + SR stored
  failed: Map<string, string>;             // SOP Instance UID -> why it was skipped
}

export async function loadConnectorState(file: string, orthanc: string): Promise<ConnectorState> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { orthanc, lastSeq: 0, processed: new Set(), failed: new Map() };
    throw new Error(`cannot read the state file ${file}: ${(e as Error).message}`);
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`Expected a JSON state file for --state but received ${file}, which does not parse (${(e as Error).message})`);
  }
  if (raw?.format !== FORMAT || !Number.isInteger(raw.lastSeq) || (raw.lastSeq as number) < 0 || !Array.isArray(raw.processed) || typeof raw.failed !== 'object' || raw.failed === null) {
    throw new Error(`Expected an ${FORMAT} file (format, lastSeq, processed, failed) for --state but received ${file}`);
  }
  if (raw.orthanc !== orthanc) {
    throw new Error(`the state file ${file} belongs to the Orthanc at ${String(raw.orthanc)}, not ${orthanc}; use another --state file`);
  }
  return {
    orthanc,
    lastSeq: raw.lastSeq as number,
    processed: new Set((raw.processed as unknown[]).map(String)),
    failed: new Map(Object.entries(raw.failed as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
  };
}

export async function saveConnectorState(file: string, state: ConnectorState): Promise<void> {
  const json = {
    format: FORMAT,
    version: 1,
    orthanc: state.orthanc,
    lastSeq: state.lastSeq,
    processed: [...state.processed],
    failed: Object.fromEntries(state.failed),
  };
  await writeFileAtomic(file, JSON.stringify(json) + '\n');
}
