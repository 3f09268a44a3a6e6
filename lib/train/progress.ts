// Training progress: a cli-progress bar per epoch on a terminal, plain lines otherwise (logs,
// CI), or nothing. Everything goes to stderr so stdout stays free for results (JSON).
import { SingleBar, Presets } from 'cli-progress';

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

export interface StepInfo {
  loss: number;
  lr: number;
}

export interface ProgressReporter {
  startEpoch(epoch: number, epochs: number, batches: number): void;
  step(done: number, info: StepInfo): void;
  endEpoch(): void;
  log(line: string): void;
}

function fmt(v: number, digits = 4): string {
  return Number.isFinite(v) ? v.toFixed(digits) : String(v);
}

class BarProgress implements ProgressReporter {
  private bar: SingleBar | null = null;
  constructor(private readonly stream: NodeJS.WriteStream) {}

  startEpoch(epoch: number, epochs: number, batches: number): void {
    this.bar = new SingleBar(
      {
        format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} | loss {loss} | lr {lr} | {duration}s, eta {eta}s`,
        stream: this.stream,
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
    this.bar.start(batches, 0, { loss: '-', lr: '-' });
  }

  step(done: number, info: StepInfo): void {
    this.bar?.update(done, { loss: fmt(info.loss), lr: info.lr.toExponential(2) });
  }

  endEpoch(): void {
    this.bar?.stop();
    this.bar = null;
  }

  log(line: string): void {
    if (this.bar) this.stream.write('\n');
    this.stream.write(line + '\n');
  }
}

class LineProgress implements ProgressReporter {
  private epochLabel = '';
  private batches = 0;
  private started = 0;
  private nextReport = 0;
  constructor(private readonly write: (line: string) => void) {}

  startEpoch(epoch: number, epochs: number, batches: number): void {
    this.epochLabel = `epoch ${epoch}/${epochs}`;
    this.batches = batches;
    this.started = Date.now();
    this.nextReport = Math.max(1, Math.ceil(batches / 4));
  }

  // About four lines per epoch.
  step(done: number, info: StepInfo): void {
    if (done < this.nextReport && done !== this.batches) return;
    this.nextReport = done + Math.max(1, Math.ceil(this.batches / 4));
    const perBatch = (Date.now() - this.started) / 1000 / done;
    this.write(`${this.epochLabel} batch ${done}/${this.batches} loss ${fmt(info.loss)} lr ${info.lr.toExponential(2)} (${perBatch.toFixed(2)} s/batch)`);
  }

  endEpoch(): void {}

  log(line: string): void {
    this.write(line);
  }
}

class SilentProgress implements ProgressReporter {
  constructor(private readonly write: ((line: string) => void) | null) {}
  startEpoch(): void {}
  step(): void {}
  endEpoch(): void {}
  log(line: string): void {
    this.write?.(line);
  }
}

// mode 'auto': a bar when stderr is a terminal, else lines. `log` overrides where lines go.
export function createProgress(mode: ProgressMode = 'auto', log?: (line: string) => void): ProgressReporter {
  const stream = process.stderr;
  const write = log ?? ((line: string) => void stream.write(line + '\n'));
  if (mode === 'none') return new SilentProgress(log ?? null);
  if (mode === 'bar' || (mode === 'auto' && stream.isTTY && !log)) return new BarProgress(stream);
  return new LineProgress(write);
}
