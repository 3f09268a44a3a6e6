// Queueing images: the files named (folders searched recursively for PNG, PGM and DICOM files),
// one job each, and waiting for them to finish.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Queue } from 'bullmq';
import { isDicom } from '../data/image-file';
import { resultStem } from '../results/write-results';
import { predictJobId, predictJobOptions, type PredictJobData, type PredictJobResult, type RetryOptions } from './predict-job';

const IMAGE_EXTENSIONS = /\.(dcm|dicom|png|pgm)$/i;

async function looksLikeDicom(file: string): Promise<boolean> {
  const fh = await fsp.open(file, 'r');
  try {
    const head = new Uint8Array(132);
    const { bytesRead } = await fh.read(head, 0, 132, 0);
    return bytesRead === 132 && isDicom(head);
  } finally {
    await fh.close();
  }
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await walk(full, out);
    else if (e.isFile() && (IMAGE_EXTENSIONS.test(e.name) || (!path.extname(e.name) && await looksLikeDicom(full)))) out.push(full);
  }
}

// Absolute paths of the images named by `inputs` (files as given; folders searched).
export async function collectImages(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const full = path.resolve(input);
    const info = await fsp.stat(full).catch(() => null);
    if (!info) throw new Error(`Expected an image file or a folder for ${input} but it does not exist`);
    if (info.isDirectory()) await walk(full, files);
    else files.push(full);
  }
  if (files.length === 0) throw new Error(`Expected PNG, PGM or DICOM images in ${inputs.join(', ')} but found none`);
  return [...new Set(files)];
}

// Two images whose results would share a name in the results folder.
export function resultNameClashes(files: string[]): string[] {
  const byStem = new Map<string, string>();
  const clashes: string[] = [];
  for (const f of files) {
    const stem = resultStem(f);
    const other = byStem.get(stem);
    if (other) clashes.push(`${other} and ${f} would both write ${stem}.json`);
    else byStem.set(stem, f);
  }
  return clashes;
}

export interface SubmitOptions {
  out: string;
  threshold: number;
  secondaryCapture: boolean;
  retry: RetryOptions;
}

export interface SubmitSummary {
  ids: string[];            // every image's job id, in input order
  added: number;            // new jobs (including finished jobs queued again)
  alreadyQueued: number;    // still waiting, delayed or running: left as they are
}

// One job per image. Submitting an image again re-runs it when its earlier job has finished
// (completed or failed), and leaves it alone while it is still queued or running.
export async function submitImages(queue: Queue<PredictJobData, PredictJobResult>, files: string[], options: SubmitOptions): Promise<SubmitSummary> {
  const out = path.resolve(options.out);
  const summary: SubmitSummary = { ids: [], added: 0, alreadyQueued: 0 };
  for (const file of files) {
    const data: PredictJobData = { file, out, threshold: options.threshold, secondaryCapture: options.secondaryCapture };
    const id = predictJobId(data);
    summary.ids.push(id);
    const existing = await queue.getJob(id);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') { summary.alreadyQueued++; continue; }
      await existing.remove();
    }
    await queue.add('predict', data, predictJobOptions(data, options.retry));
    summary.added++;
  }
  return summary;
}

export interface WaitProgress {
  completed: number;
  failed: { file: string; reason: string }[];
  total: number;
}

// Polls the jobs' states until each has completed or failed for good.
export async function waitForJobs(queue: Queue<PredictJobData, PredictJobResult>, ids: string[], onProgress: (p: WaitProgress) => void, pollMs = 500): Promise<WaitProgress> {
  const pending = new Set(ids);
  const progress: WaitProgress = { completed: 0, failed: [], total: ids.length };
  onProgress(progress);
  while (pending.size > 0) {
    const batch = [...pending].slice(0, 500);
    const states = await Promise.all(batch.map((id) => queue.getJobState(id)));
    for (let i = 0; i < batch.length; i++) {
      if (states[i] === 'completed') { progress.completed++; pending.delete(batch[i]); }
      else if (states[i] === 'failed') {
        const job = await queue.getJob(batch[i]);
        progress.failed.push({ file: job?.data.file ?? batch[i], reason: job?.failedReason ?? 'unknown' });
        pending.delete(batch[i]);
      } else if (states[i] === 'unknown') {
        progress.failed.push({ file: batch[i], reason: 'the job was removed from the queue' });
        pending.delete(batch[i]);
      }
    }
    onProgress(progress);
    if (pending.size > 0) await new Promise((r) => setTimeout(r, pollMs));
  }
  return progress;
}
