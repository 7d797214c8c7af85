/**
 * Shows a run's events to a person: on a TTY a live bar per running stage (iteration / total, rate, ETA); otherwise
 * (CI, pipes) one plain line per event, with progress lines thinned to every 10% so logs stay readable.
 */
import cliProgress from 'cli-progress';
import type { RunEvent, RunSummary } from './events.ts';

/** Consumes run events and draws them. */
export interface ProgressDisplay {
  handle(event: RunEvent): void;
  stop(): void;
}

/** A display writing to `stream`: live bars when it is a TTY, plain lines otherwise. */
export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr, live = Boolean(stream.isTTY)): ProgressDisplay {
  return live ? new LiveDisplay(stream) : new PlainDisplay(stream);
}

/** "1m05s", "3.2s", "450ms". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}m${String(s).padStart(2, '0')}s`;
}

/** "512 B", "3.4 kB", "12.0 MB" (powers of 1000). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** Rate (units per second) and remaining time from progress so far. */
export function rateAndEta(done: number, total: number, elapsedMs: number): { rate: number; etaMs: number } {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  return { rate, etaMs: rate > 0 ? ((total - done) / rate) * 1000 : Number.POSITIVE_INFINITY };
}

/** One line summarising a finished run. */
export function summaryLine(s: RunSummary): string {
  const parts = [`${s.ran.length} ran`, `${s.hits.length} cached`];
  if (s.pulled.length) parts.push(`${s.pulled.length} of them pulled from the remote`);
  if (s.pushed.length) parts.push(`${s.pushed.length} pushed`);
  if (s.remoteFailed.length) parts.push(`${s.remoteFailed.length} remote transfer(s) FAILED`);
  if (s.failed.length) parts.push(`${s.failed.length} failed`);
  if (s.skipped.length) parts.push(`${s.skipped.length} skipped`);
  if (s.cancelled.length) parts.push(`${s.cancelled.length} cancelled`);
  const partial = s.partial.map((p) => `; ${p.instance} made without ${p.missing.join(', ')}`).join('');
  return `${s.ok ? 'ok' : 'FAILED'}: ${parts.join(', ')} in ${formatDuration(s.wallMs)}${partial}`;
}

/** A failure line: `FAILED   id: message`, without the instance id again when the message already starts with it. */
export function failureLine(instance: string, error: string): string {
  let message = error;
  while (message.startsWith(`${instance}: `)) message = message.slice(instance.length + 2);
  return `FAILED   ${instance}: ${message}`;
}

function eventLine(e: RunEvent): string | undefined {
  switch (e.type) {
    case 'plan':
      return `plan: ${e.instances.length} stage instances, ${e.jobs} cores`;
    case 'hit':
      return e.from === 'remote'
        ? `pulled   ${e.instance} (${e.key.slice(0, 12)}) from the remote, ${e.blobs ?? 0} blob(s), ${formatBytes(e.bytes ?? 0)}`
        : `cached   ${e.instance} (${e.key.slice(0, 12)})`;
    case 'corrupt':
      return `CORRUPT  ${e.instance} (${e.key.slice(0, 12)})${e.where === 'remote' ? ' in the remote' : ''}: ${e.reason}; ${e.where === 'remote' ? 'not used' : 'recomputing'}`;
    case 'pushed':
      return `pushed   ${e.instance} (${e.key.slice(0, 12)}) ${e.already ? 'the remote had it already' : `${e.blobs} blob(s), ${formatBytes(e.bytes)}`}`;
    case 'remote-failed':
      return `REMOTE   ${e.instance}: ${e.error}`;
    case 'start':
      return `start    ${e.instance} (${e.reason}${e.executor ? `, ${e.executor} job` : e.where === 'child' ? ', child process' : ''}${e.threads ? `, ${e.threads} threads` : ''}${e.gpus ? `, ${e.gpus} GPU${e.gpus > 1 ? 's' : ''}` : ''})`;
    case 'job':
      return `job      ${e.instance}: ${e.jobId} ${e.state}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}, ${e.detail}`;
    case 'log':
      return `         ${e.instance}: ${e.message}`;
    case 'done':
      return `done     ${e.instance} in ${formatDuration(e.durationMs)}`;
    case 'published':
      return `wrote    ${e.file}`;
    case 'failed':
      return failureLine(e.instance, e.error);
    case 'skipped':
      return `skipped  ${e.instance} (upstream failed: ${e.because.join(', ')})`;
    case 'cancelled':
      return `cancel   ${e.instance}`;
    case 'finished':
      return summaryLine(e.summary);
    case 'progress':
      return undefined;
  }
}

class PlainDisplay implements ProgressDisplay {
  private readonly lastDecile = new Map<string, number>();
  constructor(private readonly stream: NodeJS.WritableStream) {}

  handle(e: RunEvent): void {
    if (e.type === 'progress') {
      const decile = e.total > 0 ? Math.floor((10 * e.done) / e.total) : 0;
      if (decile <= (this.lastDecile.get(e.instance) ?? 0) || decile >= 10) return;
      this.lastDecile.set(e.instance, decile);
      const { rate, etaMs } = rateAndEta(e.done, e.total, e.elapsedMs);
      this.write(
        `progress ${e.instance} ${e.done}/${e.total} (${decile * 10}%) ${rate.toFixed(1)}/s ETA ${formatDuration(etaMs)}${e.note ? ` ${e.note}` : ''}`,
      );
      return;
    }
    const line = eventLine(e);
    if (line) this.write(line);
  }

  stop(): void {}

  private write(line: string): void {
    this.stream.write(`${line}\n`);
  }
}

class LiveDisplay implements ProgressDisplay {
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private readonly multi: cliProgress.MultiBar;

  constructor(stream: NodeJS.WriteStream) {
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        format: '{bar} {instance} {value}/{total} {rate}/s ETA {etaText} {note}',
        hideCursor: true,
        clearOnComplete: true,
        stopOnComplete: false,
        etaBuffer: 50,
        fps: 10,
        barsize: 20,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  handle(e: RunEvent): void {
    if (e.type === 'start') {
      this.bars.set(e.instance, this.multi.create(1, 0, { instance: e.instance, rate: '-', etaText: '-', note: '' }));
    } else if (e.type === 'progress') {
      const bar = this.bars.get(e.instance);
      if (!bar) return;
      const { rate, etaMs } = rateAndEta(e.done, e.total, e.elapsedMs);
      bar.setTotal(e.total);
      bar.update(e.done, { rate: rate.toFixed(1), etaText: formatDuration(etaMs), note: e.note ?? '' });
    } else {
      if (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled') {
        const bar = this.bars.get(e.instance);
        if (bar) this.multi.remove(bar);
        this.bars.delete(e.instance);
      }
      const line = eventLine(e);
      if (line && e.type !== 'plan') this.multi.log(`${line}\n`);
    }
  }

  stop(): void {
    this.multi.stop();
  }
}
