// `ftmtlnet orthanc`: follows Orthanc's /changes feed; for each stable study (or series) runs
// the model on its mammograms (Modality MG, not made by us) and stores the SEG and SR (and,
// when asked, the Secondary Capture) back into the same study.
//
// Exactly once: an instance is done when its SOP Instance UID is in the state file, written
// after its results are stored. A crash between storing and writing the state means the
// instance runs again on restart, and its results get the same UIDs (derived from the source's
// UID), which Orthanc keeps as one instance ("AlreadyStored"): never two SEGs for one image.
import type { ModelPool } from '../model/model-pool';
import { dicomResults, defaultAlgorithm } from '../results/write-results';
import { checkSourceBytes, isInputError } from '../data/source-checks';
import { resolveDecodeLimits, type DecodeLimits } from '../data/limits';
import { OrthancClient, OrthancHttpError, StopRequested, sleepUnlessStopped } from './orthanc-client';
import { loadConnectorState, saveConnectorState, type ConnectorState } from './connector-state';
import { predictImage } from '../model/predictor';

export const ORTHANC_UID_SEED = 'ftmtlnet-orthanc';

export interface ConnectorOptions {
  client: OrthancClient;
  pool: ModelPool;
  stateFile: string;
  level?: 'study' | 'series';      // which change to wait for: StableStudy (default) or StableSeries
  threshold?: number;              // minimum detection score, 0.3 by default
  secondaryCapture?: boolean;
  pollMs?: number;                 // pause between /changes polls once caught up (default 1000)
  limits?: Partial<DecodeLimits>;
  signal?: AbortSignal;            // abort = stop after the instance in hand
  log?: (line: string) => void;
  onInstanceDone?: (sopInstanceUID: string) => void;
}

interface OrthancChange { ChangeType: string; ID: string; ResourceType: string; Seq: number }
interface OrthancChanges { Changes: OrthancChange[]; Done: boolean; Last: number }
interface OrthancSeries { ID: string; MainDicomTags: Record<string, string>; Instances: string[] }
interface OrthancInstance { ID: string; FileSize: number; MainDicomTags: Record<string, string> }

export interface ConnectorSummary {
  processed: number;               // instances done in this run
  skipped: number;                 // instances that failed for good in this run
  lastSeq: number;
}

export class OrthancConnector {
  private readonly limits: DecodeLimits;
  private readonly manufacturer = defaultAlgorithm().manufacturer;
  private state!: ConnectorState;
  private readonly summary: ConnectorSummary = { processed: 0, skipped: 0, lastSeq: 0 };

  constructor(private readonly options: ConnectorOptions) {
    this.limits = resolveDecodeLimits(options.limits);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private get stopping(): boolean {
    return !!this.options.signal?.aborted;
  }

  // Runs until the signal aborts; then returns after the instance in hand (state saved).
  async run(): Promise<ConnectorSummary> {
    const { client, stateFile } = this.options;
    this.state = await loadConnectorState(stateFile, client.url);
    const wanted = this.options.level === 'series' ? 'StableSeries' : 'StableStudy';
    this.log(`following ${client.url}/changes from seq ${this.state.lastSeq} (${wanted}); ${this.state.processed.size} instance(s) done before`);
    try {
      while (!this.stopping) {
        const changes = await client.getJson<OrthancChanges>(`/changes?since=${this.state.lastSeq}&limit=100`);
        for (const change of changes.Changes) {
          if (this.stopping) break;
          if (change.ChangeType === wanted) {
            await this.processResource(change);
            // Stopped part-way: the change is read again after a restart (done instances are skipped).
            if (this.stopping) break;
          }
          this.state.lastSeq = change.Seq;
          if (change.ChangeType === wanted) await this.save();
        }
        if (this.stopping) break;
        if (changes.Done) {
          if (changes.Last > this.state.lastSeq) { this.state.lastSeq = changes.Last; await this.save(); }
          await sleepUnlessStopped(this.options.pollMs ?? 1000, this.options.signal);
        }
      }
    } catch (e) {
      if (!(e instanceof StopRequested)) throw e;
    }
    await this.save();
    this.summary.lastSeq = this.state.lastSeq;
    return this.summary;
  }

  private async save(): Promise<void> {
    await saveConnectorState(this.options.stateFile, this.state);
  }

  private async processResource(change: OrthancChange): Promise<void> {
    let series: OrthancSeries[];
    try {
      series = change.ResourceType === 'Study'
        ? await this.options.client.getJson<OrthancSeries[]>(`/studies/${change.ID}/series`)
        : [await this.options.client.getJson<OrthancSeries>(`/series/${change.ID}`)];
    } catch (e) {
      if (e instanceof OrthancHttpError && e.status === 404) { this.log(`${change.ResourceType.toLowerCase()} ${change.ID} is gone from Orthanc; nothing to do`); return; }
      throw e;
    }
    for (const s of series) {
      const tags = s.MainDicomTags ?? {};
      // Only mammograms; never our own results (SEG, SR, and the OT Secondary Capture all carry our Manufacturer).
      if (tags.Modality !== 'MG' || tags.Manufacturer === this.manufacturer) continue;
      for (const id of [...s.Instances].sort()) {
        if (this.stopping) return;
        await this.processInstance(id);
      }
    }
  }

  private async processInstance(id: string): Promise<void> {
    const { client } = this.options;
    let sop = '';
    try {
      const info = await client.getJson<OrthancInstance>(`/instances/${id}`);
      sop = info.MainDicomTags?.SOPInstanceUID ?? '';
      if (!sop) throw new Error('has no SOPInstanceUID');
      if (this.state.processed.has(sop) || this.state.failed.has(sop)) return;
      this.log(`instance ${id} (SOP ${sop}): fetching and predicting`);
      checkSourceBytes(`instance ${id}`, info.FileSize, this.limits);
      const bytes = new Uint8Array(await client.getBytes(`/instances/${id}/file`));
      const threshold = this.options.threshold ?? 0.3;
      const prediction = await this.options.pool.use((m) => predictImage(m, bytes, { threshold, limits: this.limits }));
      const results = await dicomResults(bytes, prediction, { threshold, secondaryCapture: this.options.secondaryCapture, uidSeed: ORTHANC_UID_SEED }, `instance ${id}`);
      for (const obj of [results.seg, results.sr, ...(results.sc ? [results.sc] : [])]) await client.storeInstance(obj);
      this.state.processed.add(sop);
      this.summary.processed++;
      await this.save();
      this.log(`instance ${id} (SOP ${sop}): SEG + SR stored, label ${prediction.label}, ${prediction.detections.length} mass(es)`);
      this.options.onInstanceDone?.(sop);
    } catch (e) {
      if (e instanceof StopRequested) throw e;
      if (e instanceof OrthancHttpError && e.status === 401) throw e;    // wrong credentials: nothing will work
      const why = (e as Error).message.replace('<buffer>', `instance ${id}`);
      if (!(e instanceof OrthancHttpError) && !isInputError(e)) this.log(`instance ${id}: unexpected error (${(e as Error).name})`);
      this.log(`skipping instance ${id}${sop ? ` (SOP ${sop})` : ''}: ${why}`);
      this.state.failed.set(sop || `orthanc:${id}`, why);
      this.summary.skipped++;
      await this.save();
    }
  }
}
