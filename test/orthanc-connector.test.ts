// The Orthanc connector against a real Orthanc (started here on random loopback ports with
// throwaway storage): SEG + SR for each mammogram, stored into the same study; other
// modalities and its own outputs left alone; a corrupt instance logged with its id and skipped;
// a restart neither repeats nor misses work; Orthanc down or answering 5xx is retried with
// backoff and said; connector processes SIGKILLed at random moments still leave exactly one
// SEG and one SR per image, and SIGTERM exits 0.
import t from 'tap';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { ModelPool } from '../lib/model/model-pool';
import { OrthancClient } from '../lib/orthanc/orthanc-client';
import { OrthancConnector, type ConnectorSummary } from '../lib/orthanc/orthanc-connector';
import { ORTHANC, startOrthanc, type LocalServer } from '../bench/archive/local-servers';
import { auditArchive, auditProblems } from '../bench/archive/orthanc-audit';
import { cliMain, mammogramSet, runOrthancFault } from '../fuzz/archive-fault';
import { writeDicom } from './support/dicom-fixtures';
import { runCli } from './support/run-cli';
import { loadModel, saveModel } from '../lib/train/model-checkpoint';
import { closePredictor } from '../lib/model/predictor';

const skip = ORTHANC ? false : 'Orthanc is not installed (Debian package orthanc; .ci/run installs it)';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-orthanc-test-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const modelDir = path.join(dir, 'model');
let orthanc: LocalServer;
const AUTH = { user: 'ai', password: 's3cret' };

t.before(async () => {
  if (skip) return;
  orthanc = await startOrthanc({ ...AUTH, stableAge: 1 });
  await saveModel(FTMTLNet.create({ imageSize: 32, seed: 4 }), modelDir);
});
t.teardown(async () => { await orthanc?.stop(); });

const until = async (what: string, cond: () => boolean | Promise<boolean>, ms = 60_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

// A connector run in this process, stopped with its AbortController.
function startConnector(stateFile: string, lines: string[], client?: OrthancClient) {
  const stop = new AbortController();
  const c = client ?? new OrthancClient({ url: orthanc.url, ...AUTH, log: (l) => lines.push(l), signal: stop.signal });
  return loadModel(modelDir).then((model) => {
    const pool = ModelPool.of([model]);
    const done: Promise<ConnectorSummary> = new OrthancConnector({ client: c, pool, stateFile, pollMs: 100, signal: stop.signal, log: (l) => lines.push(l) })
      .run().finally(() => pool.close());
    return { stop: () => { stop.abort(); return done; }, done };
  });
}

t.test('SEG + SR per mammogram into the same study; non-MG, own outputs and corrupt instances; restart', { skip }, async (t) => {
  const client = new OrthancClient({ url: orthanc.url, ...AUTH });
  const set = mammogramSet(4, '1.2.826.0.1.3680043.9.7.88');   // one study, four views
  for (const m of set) t.equal((await client.storeInstance(m.bytes)).Status, 'Success');
  // A CT in another study, and a mammogram whose pixel data is cut short.
  const ct = writeDicom({ width: 8, height: 8, values: new Array(64).fill(100), extra: { Modality: 'CT', SOPClassUID: '1.2.840.10008.5.1.4.1.1.2', SOPInstanceUID: '1.2.826.0.1.3680043.9.7.88.90.1.1', StudyInstanceUID: '1.2.826.0.1.3680043.9.7.88.90', SeriesInstanceUID: '1.2.826.0.1.3680043.9.7.88.90.1', PatientID: 'PCT' } });
  await client.storeInstance(ct);
  const corrupt = writeDicom({ width: 64, height: 64, values: new Array(64).fill(100), extra: { SOPInstanceUID: '1.2.826.0.1.3680043.9.7.88.91.1.1', StudyInstanceUID: '1.2.826.0.1.3680043.9.7.88.91', SeriesInstanceUID: '1.2.826.0.1.3680043.9.7.88.91.1', PatientID: 'PBAD' } });
  const corruptId = (await client.storeInstance(corrupt)).ID;

  const stateFile = path.join(dir, 'state.json');
  const lines: string[] = [];
  const run1 = await startConnector(stateFile, lines);
  const state = () => (fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : { processed: [], failed: {} });
  await until('four mammograms done and the corrupt one skipped', () => state().processed.length === 4 && Object.keys(state().failed).length === 1);
  const s1 = await run1.stop();
  t.equal(s1.processed, 4, 'four instances processed');
  t.equal(s1.skipped, 1, 'one skipped');
  t.ok(lines.some((l) => l.startsWith(`skipping instance ${corruptId} (SOP 1.2.826.0.1.3680043.9.7.88.91.1.1): `)), 'the corrupt instance is logged with its Orthanc id and SOP Instance UID');
  t.match(state().failed['1.2.826.0.1.3680043.9.7.88.91.1.1'], /instance .*pixel|PixelData|short|truncat|length/i, 'its reason is kept in the state file');

  const audit = await auditArchive(client);
  t.same(auditProblems(audit), ['1.2.826.0.1.3680043.9.7.88.91.1.1: 0 SEG, 0 SR'], 'every mammogram has exactly one SEG and one SR, but the corrupt one none');
  t.match(audit, { mg: 5, seg: 4, sr: 4, other: 1 }, 'nothing made for the CT or the corrupt mammogram');
  const study = (await client.getJson<{ ID: string }[]>('/studies?expand')).find((s) => (s as unknown as { MainDicomTags: Record<string, string> }).MainDicomTags.StudyInstanceUID === '1.2.826.0.1.3680043.9.7.88.0');
  const series = await client.getJson<{ MainDicomTags: Record<string, string> }[]>(`/studies/${study!.ID}/series`);
  t.same(series.map((s) => s.MainDicomTags.Modality).sort(), ['MG', 'MG', 'MG', 'MG', 'SEG', 'SEG', 'SEG', 'SEG', 'SR', 'SR', 'SR', 'SR'], 'results are stored in the mammograms\' study');
  t.ok(series.filter((s) => s.MainDicomTags.Modality !== 'MG').every((s) => s.MainDicomTags.Manufacturer === 'ftmtlnet'), 'and marked as ours');

  // Restart from the state file: nothing again; a new study is picked up. One instance is taken
  // out of the state first, as if the connector had been killed after storing its results but
  // before writing the state: it runs again, and Orthanc keeps one SEG and one SR; the other
  // instances of the replayed changes are not run again.
  const saved = state();
  const redo = saved.processed.shift();
  saved.lastSeq = 0;   // and the change feed is read again from the start
  fs.writeFileSync(stateFile, JSON.stringify(saved));
  const lines2: string[] = [];
  const run2 = await startConnector(stateFile, lines2);
  const more = mammogramSet(6, '1.2.826.0.1.3680043.9.7.89').slice(4);   // a second study, two views
  for (const m of more) await client.storeInstance(m.bytes);
  await until('the new study done', () => state().processed.length === 6);
  const s2 = await run2.stop();
  t.equal(s2.processed, 3, 'after the restart: the two new instances and the one taken out of the state');
  t.ok(state().processed.includes(redo), 'which is done again');
  t.same(auditProblems(await auditArchive(client)), ['1.2.826.0.1.3680043.9.7.88.91.1.1: 0 SEG, 0 SR'], 'still exactly one SEG and one SR each');
  t.match(lines2[0], /following http:\/\/127\.0\.0\.1:\d+\/changes from seq 0 \(StableStudy\); 3 instance\(s\) done before/);

  // Stop requested just as an instance is taken in hand: that instance is finished (results
  // stored, state saved), then the run ends.
  const stop3 = new AbortController();
  const lines3: string[] = [];
  const client3 = new OrthancClient({ url: orthanc.url, ...AUTH, signal: stop3.signal });
  const model3 = await loadModel(modelDir);
  const third = mammogramSet(7, '1.2.826.0.1.3680043.9.7.87').slice(4);   // another study, three views
  for (const m of third) await client.storeInstance(m.bytes);
  const s3 = await new OrthancConnector({
    client: client3, pool: ModelPool.of([model3]), stateFile, pollMs: 100, signal: stop3.signal,
    log: (l) => { lines3.push(l); if (/fetching and predicting/.test(l)) stop3.abort(); },
  }).run();
  await closePredictor(model3);
  t.equal(s3.processed, 1, 'the instance in hand when the stop came is finished, and no other');
  const inHand = /\(SOP ([\d.]+)\): fetching/.exec(lines3.find((l) => /fetching/.test(l))!)![1];
  t.ok(state().processed.includes(inHand), 'and recorded in the state file');
  const perSource = (await auditArchive(client)).perSource.get(inHand);
  t.same(perSource, { seg: 1, sr: 1 }, 'with its SEG and SR in Orthanc');

  // The other two views of that study were not reached; a restart does them.
  const run4 = await startConnector(stateFile, []);
  await until('the rest of the stopped study done', () => state().processed.length === 9);
  t.equal((await run4.stop()).processed, 2, 'the restart does the two instances the stopped run had not reached');
  t.same(auditProblems(await auditArchive(client)), ['1.2.826.0.1.3680043.9.7.88.91.1.1: 0 SEG, 0 SR'], 'and every mammogram has exactly one SEG and one SR');
});

t.test('Orthanc down or answering 5xx: retried with backoff and said; wrong password refused', { skip }, async (t) => {
  let hits = 0;
  const server = http.createServer((_req, res) => { hits++; res.statusCode = 503; res.end('busy'); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const lines: string[] = [];
  const stop = new AbortController();
  const client = new OrthancClient({ url: `http://127.0.0.1:${port}`, log: (l) => lines.push(l), signal: stop.signal, firstBackoffMs: 20, maxBackoffMs: 80 });
  const model = await loadModel(modelDir);
  const running = new OrthancConnector({ client, pool: ModelPool.of([model]), stateFile: path.join(dir, 'state-503.json'), signal: stop.signal }).run();
  await until('a few retries', () => hits >= 4);
  server.close();
  await until('connection refused reported', () => lines.some((l) => /is unreachable \(ECONNREFUSED\); retrying in/.test(l)));
  stop.abort();
  const summary = await running;
  await closePredictor(model);
  t.match(lines[0], new RegExp(`^Orthanc at http://127\\.0\\.0\\.1:${port} answered 503 to GET /changes\\?since=0&limit=100; retrying in 0\\.0 s \\(attempt 1\\)$`), 'says what failed and when it retries');
  t.ok(lines.some((l) => /retrying in 0\.1 s \(attempt 3\)/.test(l)), 'the wait grows (backoff)');
  t.equal(summary.processed, 0, 'stops cleanly while Orthanc is away');

  const wrong = new OrthancClient({ url: orthanc.url, user: 'ai', password: 'wrong' });
  await t.rejects(wrong.getJson('/changes'), /Orthanc answered 401 to GET \/changes: wrong or missing --user\/--password/);
  await t.rejects(runCli('orthanc', '--model', modelDir, '--url', 'ftp://x'), /Expected an http:\/\/ or https:\/\/ URL for --url but received "ftp:\/\/x"/);
  fs.writeFileSync(path.join(dir, 'bad-state.json'), '{"format":"ftmtlnet-orthanc-state","orthanc":"http://elsewhere:8042","lastSeq":3,"processed":[],"failed":{}}');
  const other = await loadModel(modelDir);
  await t.rejects(new OrthancConnector({ client: new OrthancClient({ url: orthanc.url, ...AUTH }), pool: ModelPool.of([other]), stateFile: path.join(dir, 'bad-state.json') }).run(),
    /the state file .*bad-state\.json belongs to the Orthanc at http:\/\/elsewhere:8042/);
});

t.test('connector processes killed at random moments and restarted: exactly one SEG and one SR each; SIGTERM exits 0', { skip: skip || (!fs.existsSync(cliMain()) ? 'dist/ not built (npm run build:ts)' : false) }, async (t) => {
  const work = fs.mkdtempSync(path.join(dir, 'fault-'));
  const r = await runOrthancFault({ modelDir, workDir: work, instances: 6, connectors: 2, kills: 2, seed: 7, maxMs: 240_000 });
  t.comment(`fault run: ${JSON.stringify({ ...r, problems: r.problems.length })}`);
  t.same(r.problems, [], 'every instance has exactly one SEG and one SR');
  t.match(r, { instances: 6, mg: 6, seg: 6, sr: 6, kills: 2 });
  t.same(r.exitCodes, [0, 0], 'SIGTERM: both connectors exit 0');
});
